import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createLogger } from '../common/log.ts';
import { createTerminalLog, parseLogFormat } from '../common/terminal-log.ts';
import { openDataset } from '../data/dataset.ts';
import { resolveDataset } from '../data/download.ts';
import { loadDataset } from '../storage/bulk-load.ts';
import { countRatings } from '../storage/ratings-table.ts';
import { runTraining } from '../trainer/run-training.ts';
import { movielensDirEnv, openMigratedDatabase, openStore } from './backends.ts';
import { numberOption } from './options.ts';
import { trainConfigFromFlags, trainFlags, trainFlagsHelp } from './train-config.ts';

export const demoHelp = `movie-reco demo [--dataset NAME] [--workdir DIR] [--batches N] [options]

The whole pipeline on a laptop, no cluster: loads a MovieLens dataset into an embedded SQLite
database as time-ordered batches, trains, evaluates on a held-out 20%, writes the artifact to a
local folder, records the run, and prints the metrics.

  --dataset NAME   ml-latest-small (default), ml-100k, ml-1m, ml-10m, ml-20m, ml-25m; read from
                   MOVIELENS_DIR (default ../shared/datasets when present) or downloaded once
  --workdir DIR    where the database and artifacts go (default .movie-reco)
  --batches N      time-ordered batches to load the ratings in (default 5)
  --log-format F   text (default on a terminal: a line per stage, progress bars) or json (default
                   otherwise: one JSON object per line on stderr)
${trainFlagsHelp}`;

export async function demoCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      dataset: { type: 'string' },
      workdir: { type: 'string' },
      batches: { type: 'string' },
      'log-format': { type: 'string' },
      ...trainFlags,
    },
    strict: true,
  });
  const dataset = values.dataset ?? 'ml-latest-small';
  const workdir = resolve(values.workdir ?? '.movie-reco');
  const batches = numberOption(values, 'batches', { integer: true, min: 1, max: 100 }) ?? 5;
  const config = trainConfigFromFlags(values);
  const logFormat = parseLogFormat(values['log-format'], process.stderr.isTTY === true);
  const terminal = logFormat === 'text' ? createTerminalLog(process.stderr) : undefined;
  const log = createLogger({ component: 'demo' }, terminal ? { write: terminal.write } : {});
  await mkdir(workdir, { recursive: true });

  const folder = await resolveDataset(dataset, { env: movielensDirEnv(), log });
  const db = await openMigratedDatabase(`sqlite://${join(workdir, 'movie-reco.db')}`);
  try {
    const source = await openDataset(folder);
    if ((await countRatings(db)).ratings === 0) {
      const loaded = await loadDataset(db, source, {
        batches,
        onProgress: (rows, total) => log.info('ratings loaded', { rows, total }),
      });
      log.info('dataset loaded', {
        dataset,
        movies: loaded.movies,
        ratings: loaded.ratings,
        batches: loaded.batches.length,
      });
    } else {
      log.info('database already holds ratings; reusing them', { database: join(workdir, 'movie-reco.db') });
    }
    const runId = `demo-${new Date().toISOString().replace(/[:.]/g, '-')}-${randomUUID().slice(0, 8)}`;
    const result = await runTraining({
      db,
      store: openStore(join(workdir, 'artifacts')),
      model: 'movielens',
      runId,
      bound: {},
      config,
      testFraction: 0.2,
      log: log.child({ run: runId }),
    });
    const m = result.metrics;
    const rows: [string, string][] = [
      [
        'dataset',
        `${dataset}: ${result.dataset.ratings} ratings, ${result.dataset.users} users, ${result.dataset.movies} movies`,
      ],
      ['held-out ratings', String(m.testRatings)],
      ['RMSE', m.rmse.toFixed(4)],
      ['MAE', m.mae.toFixed(4)],
      ['precision@10', `${m.precisionAt10.toFixed(4)}   (popularity ranking ${m.popularityPrecisionAt10.toFixed(4)})`],
      ['recall@10', `${m.recallAt10.toFixed(4)}   (popularity ranking ${m.popularityRecallAt10.toFixed(4)})`],
      ['NDCG@10', `${m.ndcgAt10.toFixed(4)}   (popularity ranking ${m.popularityNdcgAt10.toFixed(4)})`],
      ['ranking model', m.rankingModel],
      [
        'similar movies',
        `recall ${m.similar.recall.toFixed(4)}   (factor cosine ${m.cosineSimilar.recall.toFixed(4)})`,
      ],
      ['catalogue coverage', m.coverage.toFixed(4)],
      ['train seconds', m.trainSeconds.toFixed(2)],
      ['epochs', String(result.chosenEpochs)],
      ['artifact', result.artifact.uri],
      ['digest', result.artifact.digest],
    ];
    terminal?.end();
    process.stdout.write(`${rows.map(([key, value]) => `${key.padEnd(20)} ${value}`).join('\n')}\n`);
    process.stdout.write(nextSteps(workdir, result.artifact.uri));
    return 0;
  } finally {
    await db.close();
  }
}

/** What to do with the model the demo wrote: serve it and open the page. */
export function nextSteps(workdir: string, artifactUri: string): string {
  const database = `sqlite://${join(workdir, 'movie-reco.db')}`;
  return `
Next: serve this model and open the web page
  MOVIE_RECO_MODEL_URI=${artifactUri} MOVIE_RECO_DATABASE_URL=${database} MOVIE_RECO_PORT=8080 npx movie-reco serve
  then open http://localhost:8080/ (the API's reference is at http://localhost:8080/docs)
`;
}
