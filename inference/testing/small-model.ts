import { generateSynthetic } from '../../data/synthetic.ts';
import { decodeArtifact, encodeArtifact, MODEL_FILE, type EncodedArtifact } from '../../model/artifact.ts';
import { defaultTrainConfig, trainRecommender, type TrainConfig } from '../../model/train.ts';
import type { Recommender } from '../../model/recommender.ts';
import { makeServingModel, type ServingModel } from '../serving-model.ts';

/** A small model with neighbours and co-occurrence, trained in well under a second, for tests. */
export async function trainSmallModel(seed = 1, factors = 8): Promise<Recommender> {
  const { ratings } = generateSynthetic({ users: 300, movies: 120, ratings: 12_000, seed });
  const config: TrainConfig = {
    ...defaultTrainConfig,
    seed,
    validationFraction: 0,
    earlyStopping: false,
    factors: { ...defaultTrainConfig.factors, factors, epochs: 8, implicit: false },
  };
  return (await trainRecommender(ratings, config)).model;
}

export async function smallArtifact(run: string, seed = 1): Promise<EncodedArtifact> {
  return encodeArtifact(await trainSmallModel(seed), {
    model: 'test',
    run,
    metrics: { rmse: 0.9 },
    training: {},
    dataSnapshot: {},
  });
}

/** The serving form of an artifact, decoded from its bytes as the service would. */
export function servingModelOf(artifact: EncodedArtifact, cacheSize = 10_000): ServingModel {
  const model = decodeArtifact(artifact.manifest, artifact.files.get(MODEL_FILE)!);
  return makeServingModel(
    { model, manifest: artifact.manifest, digest: artifact.digest, uri: `memory://${artifact.manifest.run}` },
    cacheSize,
  );
}
