import type { Ratings } from '../model/ratings.ts';

export type ProgressCallback = (rowsLoaded: number) => void;

/** Gathers streamed chunks into one table, reporting the running row count after each chunk. */
export async function collectRatings(chunks: AsyncIterable<Ratings>, onProgress?: ProgressCallback): Promise<Ratings> {
  const parts: Ratings[] = [];
  let rows = 0;
  for await (const chunk of chunks) {
    parts.push(chunk);
    rows += chunk.length;
    onProgress?.(rows);
  }
  return concatRatings(parts);
}

/** One exactly sized table from many: a single copy, no doubling. */
export function concatRatings(parts: readonly Ratings[]): Ratings {
  if (parts.length === 1) return parts[0]!;
  let n = 0;
  for (const part of parts) n += part.length;
  const out: Ratings = {
    length: n,
    userIds: new Int32Array(n),
    movieIds: new Int32Array(n),
    values: new Float32Array(n),
    timestamps: new Float64Array(n),
  };
  let offset = 0;
  for (const part of parts) {
    out.userIds.set(part.userIds.subarray(0, part.length), offset);
    out.movieIds.set(part.movieIds.subarray(0, part.length), offset);
    out.values.set(part.values.subarray(0, part.length), offset);
    out.timestamps.set(part.timestamps.subarray(0, part.length), offset);
    offset += part.length;
  }
  return out;
}
