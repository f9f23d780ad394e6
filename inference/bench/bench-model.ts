import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../../common/log.ts';
import { generateSynthetic } from '../../data/synthetic.ts';
import { encodeArtifact } from '../../model/artifact.ts';
import { defaultTrainConfig, type TrainConfig } from '../../model/train.ts';
import { trainRecommender } from '../../model/train.ts';
import { writeArtifact } from '../../storage/artifact-store.ts';
import { LocalObjectStore } from '../../storage/local-object-store.ts';

export const BENCH_MODEL_PREFIX = 'bench/ml-20m-shape';

/**
 * A model of ml-20m's shape (138,493 users, 26,744 movies, 64 factors) on synthetic ratings,
 * trained briefly: the benchmark measures serving, not accuracy. The co-occurrence table is built
 * so that recommendations take the same path as a production model's. Cached in `folder`.
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
    validationFraction: 0,
    earlyStopping: false,
    useNeighbors: true,
    neighbors: { ...defaultTrainConfig.neighbors, keep: 100 },
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
  log.info('bench model written', { folder, seconds: (performance.now() - t0) / 1000, cooccurrence: result.model.cooccurrence !== null });
}
