/**
 * A realistic history for the web page's tests and screenshots: ml-latest-small loaded into an
 * SQLite file as five time-ordered batches, three real training runs on growing snapshots (the
 * trainer's own code: runs, epochs and artifacts recorded as in production), and the promotions
 * the release gates would record. Takes about ten seconds.
 */
import { join } from 'node:path';
import { createLogger } from '../../common/log.ts';
import { openDataset } from '../../data/dataset.ts';
import { movielensDir } from '../../data/test-files.ts';
import { defaultTrainConfig, type TrainConfig } from '../../model/train.ts';
import { loadDataset } from '../../storage/bulk-load.ts';
import { openDatabase } from '../../storage/database.ts';
import { LocalObjectStore } from '../../storage/local-object-store.ts';
import { migrateToLatest } from '../../storage/migrations.ts';
import { recordPromotion } from '../../storage/promotions.ts';
import { runTraining, type TrainingResult } from '../../trainer/run-training.ts';

export interface DemoHistory {
  /** sqlite:// URL of the database. */
  databaseUrl: string;
  runs: TrainingResult[];
  /** The promoted run whose artifact should serve. */
  champion: TrainingResult;
}

const MODEL = 'movielens';

function config(algorithm: 'svd' | 'blend', factors: number): TrainConfig {
  return {
    ...defaultTrainConfig,
    useNeighbors: algorithm === 'blend',
    factors: { ...defaultTrainConfig.factors, factors, epochs: 40, implicit: algorithm === 'blend' },
  };
}

const fmt = (value: number) => String(Math.round(value * 10_000) / 10_000);

export async function createDemoHistory(dir: string): Promise<DemoHistory> {
  const databaseUrl = `sqlite://${join(dir, 'movie-reco.db')}`;
  const db = await openDatabase(databaseUrl);
  try {
    await migrateToLatest(db);
    await loadDataset(db, await openDataset(join(movielensDir(), 'ml-latest-small')), { batches: 5 });
    const store = new LocalObjectStore(join(dir, 'artifacts'));
    const log = createLogger({}, { write: () => {} });
    const train = (runId: string, upToBatch: number, algorithm: 'svd' | 'blend', factors: number) =>
      runTraining({ db, store, model: MODEL, runId, bound: { upToBatch }, config: config(algorithm, factors), testFraction: 0.2, log });
    const first = await train('movie-reco/movielens-batch3-svd', 3, 'svd', 16);
    await recordPromotion(db, {
      model: MODEL,
      runId: first.runId,
      reason: `first champion: best ndcgAt10 ${fmt(first.metrics.ndcgAt10)} among 1 passing run(s)`,
      metric: 'ndcgAt10',
      metricValue: first.metrics.ndcgAt10,
    });
    const second = await train('movie-reco/movielens-batch4-svd', 4, 'svd', 32);
    const third = await train('movie-reco/movielens-batch5-blend', 5, 'blend', 32);
    const gain = third.metrics.ndcgAt10 - first.metrics.ndcgAt10;
    await recordPromotion(db, {
      model: MODEL,
      runId: third.runId,
      previousRunId: first.runId,
      reason: `ndcgAt10 ${fmt(third.metrics.ndcgAt10)} beats champion ${first.runId} (${fmt(first.metrics.ndcgAt10)}) by ${fmt(gain)}, at least minImprovement 0.005`,
      metric: 'ndcgAt10',
      metricValue: third.metrics.ndcgAt10,
      previousMetricValue: first.metrics.ndcgAt10,
    });
    return { databaseUrl, runs: [first, second, third], champion: third };
  } finally {
    await db.close();
  }
}
