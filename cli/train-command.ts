import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { createLogger } from '../common/log.ts';
import { runTraining, type TrainingResult } from '../trainer/run-training.ts';
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
  const config = trainConfigFromFlags(values);
  const resultFile = values['result-file'] ?? env.TERMINATION_MESSAGE_PATH;
  const log = createLogger({ component: 'trainer', model, run: runId });

  const db = await openMigratedDatabase(databaseUrl);
  try {
    const result = await runTraining({
      db,
      store: openStore(storeUri),
      model,
      runId,
      bound: { ...(upToBatch ? { upToBatch } : {}), ...(maxRatingId ? { maxRatingId } : {}) },
      config,
      testFraction,
      log,
    });
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

/** Kubernetes keeps at most 4096 bytes of a termination message: only what the operator needs. */
export function terminationMessage(result: TrainingResult): string {
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
  });
}
