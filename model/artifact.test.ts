import { describe, expect, it } from 'vitest';
import { generateSynthetic } from '../data/synthetic.ts';
import { ArtifactError, decodeArtifact, encodeArtifact, MODEL_FILE, parseManifest } from './artifact.ts';
import { defaultIalsRankingParams, fitIalsRanking } from './ials-ranking.ts';
import { knownUserProfile, predictRating, prepareProfile, recommend } from './recommender.ts';
import { defaultTrainConfig, trainRecommender } from './train.ts';
import { buildTrainingSet } from './training-set.ts';

const { ratings } = generateSynthetic({ users: 200, movies: 150, ratings: 10_000, seed: 9 });
const trained = (
  await trainRecommender(ratings, {
    ...defaultTrainConfig,
    factors: { ...defaultTrainConfig.factors, factors: 10, epochs: 6 },
  })
).model;
const description = {
  model: 'movielens',
  run: 'run-1',
  metrics: { rmse: 0.9 },
  training: {},
  dataSnapshot: { maxRatingId: 10 },
};

describe('the model artifact', () => {
  it('round-trips: the decoded model answers exactly as the trained one', () => {
    const encoded = encodeArtifact(trained, description);
    const manifest = parseManifest(encoded.manifestBytes, encoded.digest);
    const decoded = decodeArtifact(manifest, encoded.files.get(MODEL_FILE)!);
    for (const user of [0, 17, 199]) {
      const a = prepareProfile(trained, knownUserProfile(trained, user));
      const b = prepareProfile(decoded, knownUserProfile(decoded, user));
      expect(Array.from(recommend(decoded, b, 10).items)).toEqual(Array.from(recommend(trained, a, 10).items));
      for (const item of [0, 5, 149]) expect(predictRating(decoded, b, item)).toBe(predictRating(trained, a, item));
    }
    expect(manifest.files[0]!.sizeBytes).toBe(encoded.files.get(MODEL_FILE)!.byteLength);
  });

  it('carries the EASE model and the similar lists, and ranks with EASE after decoding', () => {
    expect(trained.ease).not.toBeNull();
    const withEase = { ...trained, ranking: { ratingWeight: 0.2, ratingPower: 3, itemModel: 'ease' as const } };
    const encoded = encodeArtifact(withEase, description);
    const decoded = decodeArtifact(parseManifest(encoded.manifestBytes), encoded.files.get(MODEL_FILE)!);
    expect(decoded.ease!.lambda).toBe(trained.ease!.lambda);
    expect(Array.from(decoded.ease!.positions)).toEqual(Array.from(trained.ease!.positions));
    expect(Array.from(decoded.similar!.items)).toEqual(Array.from(trained.similar!.items));
    expect(Array.from(decoded.similar!.offsets)).toEqual(Array.from(trained.similar!.offsets));
    for (const user of [3, 100]) {
      const a = prepareProfile(withEase, knownUserProfile(withEase, user));
      const b = prepareProfile(decoded, knownUserProfile(decoded, user));
      expect(Array.from(recommend(decoded, b, 10).items)).toEqual(Array.from(recommend(withEase, a, 10).items));
    }
  });

  it('carries the iALS item factors and weights, and ranks with iALS after decoding as before', () => {
    const ials = fitIalsRanking(buildTrainingSet(ratings), {
      ...defaultIalsRankingParams,
      ials: { ...defaultIalsRankingParams.ials, factors: 6, epochs: 4 },
    });
    const withIals = { ...trained, ials, ranking: { ratingWeight: 0.1, ratingPower: 3, itemModel: 'ials' as const } };
    const encoded = encodeArtifact(withIals, description);
    const decoded = decodeArtifact(parseManifest(encoded.manifestBytes), encoded.files.get(MODEL_FILE)!);
    expect(decoded.ranking.itemModel).toBe('ials');
    expect(decoded.ials).toEqual(ials);
    let differs = false;
    for (const user of [3, 100, 150]) {
      const a = prepareProfile(withIals, knownUserProfile(withIals, user));
      const b = prepareProfile(decoded, knownUserProfile(decoded, user));
      const served = Array.from(recommend(decoded, b, 10).items);
      expect(served).toEqual(Array.from(recommend(withIals, a, 10).items));
      differs ||= served.join() !== Array.from(recommend(trained, a, 10).items).join();
    }
    // the lists are iALS's, not the co-occurrence or EASE ranking the trained model had
    expect(differs).toBe(true);
    // a model trained without iALS has none after decoding
    const plain = encodeArtifact(trained, description);
    expect(decodeArtifact(parseManifest(plain.manifestBytes), plain.files.get(MODEL_FILE)!).ials).toBeNull();
  });

  it('refuses a model file with one flipped byte', () => {
    const encoded = encodeArtifact(trained, description);
    const bytes = encoded.files.get(MODEL_FILE)!.slice();
    bytes[bytes.length - 3]! ^= 0x40;
    expect(() => decodeArtifact(encoded.manifest, bytes)).toThrow(/sha256 .* does not match/);
    expect(() => decodeArtifact(encoded.manifest, bytes.subarray(1))).toThrow(ArtifactError);
  });

  it('refuses a manifest that is not the one the caller expects, or of another format', () => {
    const encoded = encodeArtifact(trained, description);
    expect(() => parseManifest(encoded.manifestBytes, `sha256:${'0'.repeat(64)}`)).toThrow(
      /does not match the expected/,
    );
    const future = new TextEncoder().encode(JSON.stringify({ ...encoded.manifest, formatVersion: 99 }));
    expect(() => parseManifest(future)).toThrow(/format 99 is not supported/);
  });
});
