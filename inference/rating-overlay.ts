/**
 * Ratings acknowledged by this process since it started, by user (external ids), so that a user's
 * next answers take them into account before the next training run. Keyed by external ids, it
 * survives model swaps; once a model trained on a snapshot that holds a rating is serving, the
 * rating is forgotten here (`forgetLearned`), so the overlay does not grow without end.
 */
import { getOrInsert } from '../common/get-or-insert.ts';
export class RatingOverlay {
  readonly #byUser = new Map<number, Map<number, { rating: number; id: number }>>();

  /** `id` is the rating's database id: snapshots are bounded by it. */
  add(userId: number, movieId: number, rating: number, id: number): void {
    const ratings = getOrInsert(this.#byUser, userId, () => new Map());
    ratings.delete(movieId);
    ratings.set(movieId, { rating, id });
  }

  /** movieId -> rating, oldest first; undefined when the user has rated nothing here. */
  ratingsOf(userId: number): ReadonlyMap<number, number> | undefined {
    const ratings = this.#byUser.get(userId);
    return ratings && new Map(Array.from(ratings, ([movieId, { rating }]) => [movieId, rating]));
  }

  /**
   * Drops the ratings a serving model learned from: ids up to its snapshot's maxRatingId (a
   * re-rating gets a new id, so a value newer than the snapshot always stays). Returns the users
   * whose overlay changed.
   */
  forgetLearned(maxRatingId: number): number[] {
    const changed: number[] = [];
    for (const [userId, ratings] of this.#byUser) {
      const before = ratings.size;
      for (const [movieId, { id }] of ratings) if (id <= maxRatingId) ratings.delete(movieId);
      if (ratings.size !== before) changed.push(userId);
      if (ratings.size === 0) this.#byUser.delete(userId);
    }
    return changed;
  }

  get users(): number {
    return this.#byUser.size;
  }
}
