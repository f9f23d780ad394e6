import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../../common/log.ts';
import { generateSynthetic } from '../../data/synthetic.ts';
import { encodeArtifact } from '../../model/artifact.ts';
import { defaultTrainConfig, type TrainConfig } from '../../model/train.ts';
import { trainRecommender } from '../../model/train.ts';
import { writeArtifact } from '../../storage/artifact-store.ts';
import { LocalObjectStore } from '../../storage/local-object-store.ts';

export const BENCH_MODEL_PREFIX = 'bench/ml-20m-shape-blended';

/**
 * A model of ml-20m's shape (138,493 users, 26,744 movies, 64 factors) on synthetic ratings,
 * trained briefly (3 epochs): the benchmark measures serving, not accuracy. Otherwise trained as
 * production trains: the neighbour models with their default sizes, and the blend and ranking
 * chosen on a validation slice, so that a prediction does the neighbour part a served model does.
 * Cached in `folder`.
 */
export function ensureBenchModel(folder: string, log: Logger): Promise<void> {
  if (existsSync(join(folder, BENCH_MODEL_PREFIX, 'manifest.json'))) return Promise.resolve();
  return buildBenchModel(folder, log);
}

async function buildBenchModel(folder: string, log: Logger): Promise<void> {
  const t0 = performance.now();
  const { ratings } = generateSynthetic('ml-20m');
  log.info('synthetic ratings generated', { ratings: ratings.length, seconds: (performance.now() - t0) / 1000 });
  const config: TrainConfig = {
    ...defaultTrainConfig,
    earlyStopping: false,
    useNeighbors: true,
    factors: { ...defaultTrainConfig.factors, factors: 64, epochs: 3, implicit: false },
  };
  const result = await trainRecommender(ratings, config, (event) => {
    if (event.kind === 'stage') log.info('training stage done', { stage: event.stage, seconds: event.seconds });
  });
  const artifact = encodeArtifact(result.model, {
    model: 'bench',
    run: 'ml-20m-shape',
    metrics: {},
    training: { synthetic: 'ml-20m', factors: 64, epochs: 3 },
    dataSnapshot: { ratings: ratings.length },
  });
  await writeArtifact(new LocalObjectStore(folder), BENCH_MODEL_PREFIX, artifact);
  log.info('bench model written', {
    folder,
    seconds: (performance.now() - t0) / 1000,
    blend: result.model.blend,
    cooccurrence: result.model.cooccurrence !== null,
  });
}
