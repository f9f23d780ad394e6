/**
 * node bench/write-split.ts DATASET OUT_DIR: the benchmark split (80/20 random, seed 42, as
 * bench:train uses) of a shared MovieLens dataset, written as OUT_DIR/DATASET-train.csv and
 * -test.csv for `movie-reco evaluate --train ... --test ...`. Write them outside the repository.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readRatings } from '../data/dataset.ts';
import type { Ratings } from '../model/ratings.ts';
import { movielensDir } from '../data/test-files.ts';
import { randomSplit } from '../model/test-data.ts';

const [dataset, outDir] = process.argv.slice(2);
if (!dataset || !outDir) throw new Error('usage: node bench/write-split.ts DATASET OUT_DIR');
const { train, test } = randomSplit(await readRatings(join(movielensDir(), dataset)), 0.2, 42);
const csv = (r: Ratings): string => {
  const lines = ['userId,movieId,rating'];
  for (let k = 0; k < r.length; k++) lines.push(`${r.userIds[k]},${r.movieIds[k]},${r.values[k]}`);
  return `${lines.join('\n')}\n`;
};
await writeFile(join(outDir, `${dataset}-train.csv`), csv(train));
await writeFile(join(outDir, `${dataset}-test.csv`), csv(test));
