/**
 * A realistic history for the web page's tests and screenshots: ml-latest-small loaded into an
 * SQLite file as five time-ordered batches, a hyperparameter search of three trials on an early
 * snapshot (one stopped early by the median rule), three real training runs on growing snapshots
 * (the trainer's own code: runs, trials, epochs and artifacts recorded as in production), and what
 * the release gates (minImprovement 0.01 on ndcgAt10) would record of them: the first promoted, the
 * second rejected, the third promoted. Takes about fifteen seconds.
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
import { recordGateDecision } from '../../storage/gate-decisions.ts';
import { recordPromotion } from '../../storage/promotions.ts';
import { trialParameters, type SearchSpec } from '../../operator/trainingrun/search-parameters.ts';
import { runTraining, type TrainingResult } from '../../trainer/run-training.ts';
import { runTrial, type TrialOutcome } from '../../trainer/run-trial.ts';
import { serveConfigFromEnv, type ServeConfig } from '../config.ts';

export interface DemoHistory {
  /** sqlite:// URL of the database. */
  databaseUrl: string;
  runs: TrainingResult[];
  /** The promoted run whose artifact should serve. */
  champion: TrainingResult;
  /** The run the gates rejected, and why: the shadow challenger. */
  rejected: { run: TrainingResult; reason: string };
  /** A search run's trials as the trainer reported them, by index. */
  search: { searchRunId: string; spec: SearchSpec; trials: TrialOutcome[] };
}

/** Grid order: the third trial learns far slower than the two before it, so the median rule stops it. */
const SEARCH: SearchSpec = {
  objective: { metric: 'validationRmse', direction: 'minimize' },
  method: 'grid',
  parameters: { learningRate: { values: [0.02, 0.015, 0.001] } },
  maxTrials: 3,
  earlyStopping: { minEpochs: 2, minTrials: 2 },
};

const MODEL = 'movielens';
const MIN_IMPROVEMENT = 0.01;

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
      runTraining({
        db,
        store,
        model: MODEL,
        runId,
        bound: { upToBatch },
        config: config(algorithm, factors),
        testFraction: 0.2,
        log,
      });
    // As the operator records them (operator/modelrelease/champion.ts words the reasons): a
    // promotion in both tables, a rejection in gate_decisions only.
    const promote = async (run: TrainingResult, previous: TrainingResult | null, reason: string) => {
      const at = new Date();
      const values = { model: MODEL, runId: run.runId, reason, metric: 'ndcgAt10', metricValue: run.metrics.ndcgAt10 };
      await recordPromotion(db, {
        ...values,
        previousRunId: previous?.runId ?? null,
        previousMetricValue: previous?.metrics.ndcgAt10 ?? null,
        promotedAt: at,
      });
      await recordGateDecision(db, {
        ...values,
        outcome: 'Promoted',
        championRunId: previous?.runId ?? null,
        championMetricValue: previous?.metrics.ndcgAt10 ?? null,
        decidedAt: at,
      });
    };
    // The search first: the three runs stay the newest, whose curves the Models view shows first.
    const searchRunId = 'movie-reco/movielens-search';
    const trials: TrialOutcome[] = [];
    for (let index = 0; index < 3; index++) {
      const parameters = trialParameters(SEARCH, defaultTrainConfig.seed, index);
      const base = config('svd', 8);
      const { trial } = await runTrial({
        db,
        store,
        model: MODEL,
        bound: { upToBatch: 2 },
        config: { ...base, factors: { ...base.factors, epochs: 8, learningRate: parameters.learningRate! } },
        testFraction: 0.2,
        log,
        searchRunId,
        index,
        search: SEARCH,
        parameters,
      });
      trials.push(trial);
    }

    const first = await train('movie-reco/movielens-batch3-svd', 3, 'svd', 16);
    await promote(first, null, `first champion: best ndcgAt10 ${fmt(first.metrics.ndcgAt10)} among 1 passing run(s)`);

    const second = await train('movie-reco/movielens-batch4-svd', 4, 'svd', 32);
    const secondGain = second.metrics.ndcgAt10 - first.metrics.ndcgAt10;
    if (secondGain >= MIN_IMPROVEMENT)
      throw new Error(
        `the demo history expects ${second.runId} to be rejected, but it beats the champion by ${secondGain}`,
      );
    const rejection =
      secondGain <= 0
        ? `ndcgAt10 ${fmt(second.metrics.ndcgAt10)} is not better than ` +
          `champion ${first.runId} (${fmt(first.metrics.ndcgAt10)})`
        : `ndcgAt10 ${fmt(second.metrics.ndcgAt10)} beats champion ${first.runId} by only ${fmt(secondGain)}, ` +
          `less than minImprovement ${MIN_IMPROVEMENT}`;
    await recordGateDecision(db, {
      model: MODEL,
      runId: second.runId,
      outcome: 'Rejected',
      reason: rejection,
      metric: 'ndcgAt10',
      metricValue: second.metrics.ndcgAt10,
      championRunId: first.runId,
      championMetricValue: first.metrics.ndcgAt10,
    });

    const third = await train('movie-reco/movielens-batch5-blend', 5, 'blend', 32);
    const gain = third.metrics.ndcgAt10 - first.metrics.ndcgAt10;
    await promote(
      third,
      first,
      `ndcgAt10 ${fmt(third.metrics.ndcgAt10)} beats champion ${first.runId} (${fmt(first.metrics.ndcgAt10)}) ` +
        `by ${fmt(gain)}, at least minImprovement ${MIN_IMPROVEMENT}`,
    );
    return {
      databaseUrl,
      runs: [first, second, third],
      champion: third,
      rejected: { run: second, reason: rejection },
      search: { searchRunId, spec: SEARCH, trials },
    };
  } finally {
    await db.close();
  }
}

/**
 * The service over a demo history: its database and champion (with `shadowChallenger`, the rejected
 * run answering in shadow beside it), on a free loopback port, no drain.
 */
export function demoServeConfig(history: DemoHistory, options: { shadowChallenger?: boolean } = {}): ServeConfig {
  const challenger = history.rejected.run.artifact;
  return serveConfigFromEnv({
    MOVIE_RECO_DATABASE_URL: history.databaseUrl,
    MOVIE_RECO_MODEL_URI: history.champion.artifact.uri,
    MOVIE_RECO_MODEL_DIGEST: history.champion.artifact.digest,
    ...(options.shadowChallenger
      ? {
          MOVIE_RECO_CHALLENGER_URI: challenger.uri,
          MOVIE_RECO_CHALLENGER_DIGEST: challenger.digest,
          MOVIE_RECO_CHALLENGER_MODE: 'shadow',
        }
      : {}),
    MOVIE_RECO_HOST: '127.0.0.1',
    MOVIE_RECO_PORT: '0',
    MOVIE_RECO_DRAIN_SECONDS: '0',
  });
}
