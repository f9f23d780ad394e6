import { openDatabase } from '../../storage/database.ts';
import { migrateToLatest } from '../../storage/migrations.ts';

/** A migrated database whose catalogue holds movies 1..count, named "Movie <id> (2001)". */
export async function seedCatalogue(databaseUrl: string, count: number, genres = 'Drama'): Promise<void> {
  const db = await openDatabase(databaseUrl);
  try {
    await migrateToLatest(db);
    await db
      .knex('movies')
      .insert(Array.from({ length: count }, (_, k) => ({ movie_id: k + 1, title: `Movie ${k + 1} (2001)`, genres })));
  } finally {
    await db.close();
  }
}
