import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { createLogger } from '../common/log.ts';
import { defaultTrainConfig } from '../model/train.ts';
import { type SearchSpec, type TrialParameters, trialParameters } from '../operator/trainingrun/search-parameters.ts';
import { runTraining, type TrainingResult } from '../trainer/run-training.ts';
import { runTrial, type TrialResult } from '../trainer/run-trial.ts';
import { openMigratedDatabase, openStore } from './backends.ts';
import { numberOption } from './options.ts';
import { trainConfigFromFlags, trainFlags, trainFlagsHelp } from './train-config.ts';
import { UsageError } from './usage-error.ts';

export const trainHelp = `movie-reco train --database URL --store URI --model NAME [options]

The trainer Job's process: reads a ratings snapshot, trains, evaluates on a held-out split,
writes the artifact (manifest last) and the run's metrics, prints the result as JSON.

  --database URL       mysql://user:pass@host:3306/db or sqlite:///path.db (env MOVIE_RECO_DATABASE_URL)
  --store URI          s3://bucket/prefix or a folder (env MOVIE_RECO_ARTIFACT_STORE; S3 endpoint and
                       keys from MOVIE_RECO_S3_ENDPOINT, _ACCESS_KEY, _SECRET_KEY)
  --model NAME         the model this run trains (env MOVIE_RECO_MODEL)
  --run ID             run id (env MOVIE_RECO_RUN_ID; default: a new UUID)
  --up-to-batch N      train on ratings of batches 1..N only
  --max-rating-id N    train on ratings with id <= N only (default: all at start)
  --test-fraction X    share held out for the reported metrics (default 0.2)
  --result-file PATH   also write the short JSON result here (env TERMINATION_MESSAGE_PATH)
  --search JSON        train one trial of this search (a TrainingRun's spec.search) as run ID/trial-N, with
                       the values trial N draws from the seed; the flags below give the rest
  --trial N            the trial's index (env JOB_COMPLETION_INDEX, set in an Indexed Job's pods)
${trainFlagsHelp}`;

export async function trainCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      database: { type: 'string' },
      store: { type: 'string' },
      model: { type: 'string' },
      run: { type: 'string' },
      'up-to-batch': { type: 'string' },
      'max-rating-id': { type: 'string' },
      'test-fraction': { type: 'string' },
      'result-file': { type: 'string' },
      search: { type: 'string' },
      trial: { type: 'string' },
      ...trainFlags,
    },
    strict: true,
  });
  const env = process.env;
  const databaseUrl = values.database ?? env.MOVIE_RECO_DATABASE_URL;
  const storeUri = values.store ?? env.MOVIE_RECO_ARTIFACT_STORE;
  const model = values.model ?? env.MOVIE_RECO_MODEL;
  if (!databaseUrl) throw new UsageError('--database (or MOVIE_RECO_DATABASE_URL) is required');
  if (!storeUri) throw new UsageError('--store (or MOVIE_RECO_ARTIFACT_STORE) is required');
  if (!model || !/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(model))
    throw new UsageError('--model must be a DNS-1123 label such as "movielens"');
  const runId = values.run ?? env.MOVIE_RECO_RUN_ID ?? randomUUID();
  const upToBatch = numberOption(values, 'up-to-batch', { integer: true, min: 1 });
  const maxRatingId = numberOption(values, 'max-rating-id', { integer: true, min: 1 });
  const testFraction = numberOption(values, 'test-fraction', { min: 0.01, max: 0.5 }) ?? 0.2;
  const trial = values.search === undefined ? undefined : searchTrialOf(values, env.JOB_COMPLETION_INDEX);
  const config = trainConfigFromFlags(trial ? { ...values, ...trial.flags } : values);
  const resultFile = values['result-file'] ?? env.TERMINATION_MESSAGE_PATH;
  const log = createLogger({ component: 'trainer', model, run: runId, ...(trial ? { trial: trial.index } : {}) });

  const db = await openMigratedDatabase(databaseUrl);
  try {
    const job = {
      db,
      store: openStore(storeUri),
      model,
      bound: { ...(upToBatch ? { upToBatch } : {}), ...(maxRatingId ? { maxRatingId } : {}) },
      testFraction,
      log,
    };
    const result = trial
      ? await runTrial({
          ...job,
          // a trial is measured on the validation slice, whatever the algorithm and epochs
          config: { ...config, validationFraction: config.validationFraction || defaultTrainConfig.validationFraction },
          searchRunId: runId,
          index: trial.index,
          search: trial.search,
          parameters: trial.parameters,
        })
      : await runTraining({ ...job, runId, config });
    process.stdout.write(`${JSON.stringify(result)}\n`);
    if (resultFile) await writeFile(resultFile, terminationMessage(result));
    return 0;
  } catch (error) {
    if (resultFile)
      await writeFile(
        resultFile,
        JSON.stringify({ runId, model, phase: 'Failed', reason: (error as Error).message }).slice(0, 4000),
      );
    throw error;
  } finally {
    await db.close();
  }
}

/** The search, the trial's index and the trainer flags of its values, from --search, --trial or the Job's index. */
function searchTrialOf(values: Record<string, string | boolean | undefined>, jobIndex: string | undefined) {
  let search: SearchSpec;
  try {
    search = JSON.parse(values.search as string) as SearchSpec;
  } catch (error) {
    throw new UsageError(`--search must be JSON (a TrainingRun's spec.search): ${(error as Error).message}`);
  }
  if (typeof search !== 'object' || search === null || typeof search.parameters !== 'object' || !search.objective)
    throw new UsageError('--search must be a TrainingRun spec.search with objective, parameters and maxTrials');
  const index = numberOption({ trial: values.trial ?? jobIndex }, 'trial', { integer: true, min: 0 });
  if (index === undefined) throw new UsageError('--search needs --trial (or JOB_COMPLETION_INDEX)');
  const seed = numberOption(values, 'seed', { integer: true, min: 0 }) ?? defaultTrainConfig.seed;
  let parameters: TrialParameters;
  try {
    parameters = trialParameters(search, seed, index);
  } catch (error) {
    throw new UsageError(`--trial: ${(error as Error).message}`);
  }
  const flags: Record<string, string> = {};
  for (const [name, flag] of Object.entries(trialFlagNames)) {
    const value = parameters[name as keyof TrialParameters];
    if (value !== undefined) flags[flag] = String(value);
  }
  return { search, index, parameters, flags };
}

const trialFlagNames = {
  algorithm: 'algorithm',
  factors: 'factors',
  epochs: 'epochs',
  learningRate: 'lr',
  regularization: 'reg',
} as const satisfies Record<keyof TrialParameters, keyof typeof trainFlags>;

/** Kubernetes keeps at most 4096 bytes of a termination message: only what the operator needs. */
export function terminationMessage(result: TrainingResult | TrialResult): string {
  const m = result.metrics;
  return JSON.stringify({
    runId: result.runId,
    model: result.model,
    phase: result.phase,
    dataset: result.dataset,
    metrics: {
      rmse: m.rmse,
      mae: m.mae,
      precisionAt10: m.precisionAt10,
      recallAt10: m.recallAt10,
      ndcgAt10: m.ndcgAt10,
      coverage: m.coverage,
      trainSeconds: m.trainSeconds,
    },
    rankingModel: m.rankingModel,
    artifact: result.artifact,
    ...('trial' in result ? { trial: result.trial } : {}),
  });
}
