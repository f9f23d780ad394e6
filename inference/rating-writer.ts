import type { Database } from '../storage/database.ts';
import { insertRating } from '../storage/ratings-table.ts';

export class DatabaseUnavailableError extends Error {
  constructor(message: string, cause?: unknown) {
    super(message, { cause });
    this.name = 'DatabaseUnavailableError';
  }
}

/**
 * Stores one rating and resolves only once the database committed it. A database that fails or
 * does not answer within `timeoutMs` rejects with DatabaseUnavailableError; the rating may still
 * commit later, which is safe because a client retries and a re-rating replaces the row.
 */
export async function storeRating(
  db: Database | null,
  rating: { userId: number; movieId: number; rating: number },
  timeoutMs: number,
): Promise<{ id: number }> {
  if (!db) throw new DatabaseUnavailableError('this service has no database configured (MOVIE_RECO_DATABASE_URL)');
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new DatabaseUnavailableError(`the database did not commit within ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([insertRating(db, rating), timeout]);
  } catch (error) {
    if (error instanceof DatabaseUnavailableError || error instanceof RangeError) throw error;
    throw new DatabaseUnavailableError(`the database did not commit the rating: ${(error as Error).message}`, error);
  } finally {
    clearTimeout(timer);
  }
}
