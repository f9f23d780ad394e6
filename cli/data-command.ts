import { createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { createGzip } from 'node:zlib';
import { createLogger } from '../common/log.ts';
import { openDataset } from '../data/dataset.ts';
import { resolveDataset } from '../data/download.ts';
import { MOVIELENS_NAMES } from '../data/movielens-catalog.ts';
import { generateSynthetic, SYNTHETIC_PRESETS, type SyntheticConfig } from '../data/synthetic.ts';
import { loadDataset } from '../storage/bulk-load.ts';
import { movielensDirEnv, openMigratedDatabase } from './backends.ts';
import { numberOption, requiredString } from './options.ts';
import { UsageError } from './usage-error.ts';

export const dataHelp = `movie-reco data <download|load|generate> [options]

  download NAME                 fetch a MovieLens release from GroupLens (checksum verified, cached in
                                ~/.cache/movie-reco/datasets or MOVIE_RECO_CACHE); prints its folder.
                                NAME: ${MOVIELENS_NAMES.join(', ')}
  load --database URL --dataset NAME|DIR [--batches N] [--only A[-B]]
                                load movies and ratings, split into N time-ordered batches (default 1);
                                --only loads just those batches (e.g. 1, then 2-5 later: data arriving)
  generate --out FILE.csv[.gz] [--preset ml-1m|ml-20m] [--users N --movies N --ratings N] [--seed N]
                                synthetic ratings from a planted low-rank model, for scale tests`;

export async function dataCommand(argv: string[]): Promise<number> {
  const [action, ...rest] = argv;
  const log = createLogger({ component: 'data' });
  if (action === 'download') {
    const name = rest[0];
    if (!name) throw new UsageError('data download needs a dataset name');
    const folder = await resolveDataset(name, {
      env: movielensDirEnv(),
      log,
      onProgress: (bytes, total) => log.info('downloading', { bytes, total }),
    });
    process.stdout.write(`${folder}\n`);
    return 0;
  }
  if (action === 'load') return load(rest, log);
  if (action === 'generate') return generate(rest, log);
  throw new UsageError(`unknown data action ${JSON.stringify(action ?? '')}`);
}

async function load(argv: string[], log: ReturnType<typeof createLogger>): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      database: { type: 'string' },
      dataset: { type: 'string' },
      batches: { type: 'string' },
      only: { type: 'string' },
    },
    strict: true,
  });
  const databaseUrl = values.database ?? process.env.MOVIE_RECO_DATABASE_URL;
  if (!databaseUrl) throw new UsageError('--database (or MOVIE_RECO_DATABASE_URL) is required');
  const dataset = requiredString(values, 'dataset');
  const batches = numberOption(values, 'batches', { integer: true, min: 1, max: 1000 }) ?? 1;
  const only = parseRange(values.only, batches);
  const folder = (await isFolder(dataset)) ? dataset : await resolveDataset(dataset, { env: movielensDirEnv(), log });
  const db = await openMigratedDatabase(databaseUrl);
  try {
    const summary = await loadDataset(db, await openDataset(folder), {
      batches,
      ...(only ? { only } : {}),
      onMovies: (movies) => log.info('movies loaded', { movies }),
      onProgress: (rows, total) => log.info('ratings loaded', { rows, total }),
    });
    process.stdout.write(
      `${JSON.stringify({ dataset, movies: summary.movies, ratings: summary.ratings, batches: summary.batches })}\n`,
    );
    return 0;
  } finally {
    await db.close();
  }
}

async function generate(argv: string[], log: ReturnType<typeof createLogger>): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      out: { type: 'string' },
      preset: { type: 'string' },
      users: { type: 'string' },
      movies: { type: 'string' },
      ratings: { type: 'string' },
      seed: { type: 'string' },
    },
    strict: true,
  });
  const out = requiredString(values, 'out');
  const preset = values.preset ?? 'ml-1m';
  if (!(preset in SYNTHETIC_PRESETS))
    throw new UsageError(`--preset must be one of ${Object.keys(SYNTHETIC_PRESETS).join(', ')}`);
  const base: SyntheticConfig = SYNTHETIC_PRESETS[preset as keyof typeof SYNTHETIC_PRESETS];
  const config: SyntheticConfig = {
    ...base,
    users: numberOption(values, 'users', { integer: true, min: 1 }) ?? base.users,
    movies: numberOption(values, 'movies', { integer: true, min: 1 }) ?? base.movies,
    ratings: numberOption(values, 'ratings', { integer: true, min: 1 }) ?? base.ratings,
    seed: numberOption(values, 'seed', { integer: true, min: 0 }) ?? 42,
  };
  const { ratings } = generateSynthetic(config);
  log.info('generated', { ratings: ratings.length });
  const file = createWriteStream(out);
  const sink = out.endsWith('.gz') ? createGzip() : null;
  if (sink) sink.pipe(file);
  const target = sink ?? file;
  const write = async (text: string): Promise<void> => {
    if (!target.write(text)) await once(target, 'drain');
  };
  await write('userId,movieId,rating,timestamp\n');
  for (let start = 0; start < ratings.length; start += 10_000) {
    const lines: string[] = [];
    for (let k = start; k < Math.min(ratings.length, start + 10_000); k++) {
      lines.push(`${ratings.userIds[k]},${ratings.movieIds[k]},${ratings.values[k]},${ratings.timestamps[k]}`);
    }
    await write(`${lines.join('\n')}\n`);
  }
  target.end();
  await once(file, 'close');
  process.stdout.write(`${out}\n`);
  return 0;
}

function parseRange(value: string | undefined, batches: number): { from: number; to: number } | undefined {
  if (value === undefined) return undefined;
  const match = /^(\d+)(?:-(\d+))?$/.exec(value);
  const from = Number(match?.[1]);
  const to = Number(match?.[2] ?? match?.[1]);
  if (!match || from < 1 || to < from || to > batches) {
    throw new UsageError(
      `--only must be a batch or range within 1-${batches}, such as 1 or 2-${batches}; got ${JSON.stringify(value)}`,
    );
  }
  return { from, to };
}

async function isFolder(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );
}
