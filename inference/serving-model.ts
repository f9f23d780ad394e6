import type { ArtifactManifest } from '../model/artifact.ts';
import type { PreparedProfile, Recommender } from '../model/recommender.ts';
import { itemFactorNorms, makeRankingScratch, type RankingScratch } from '../model/fast-ranking.ts';
import { MAX_N } from './api-shapes.ts';

/**
 * A loaded model with what serving derives from it once: item-factor norms (cosine similarity and
 * ranking bounds), scratch buffers for ranking, and caches of finished answers. A swap replaces the
 * whole object, so caches never outlive the model they were computed from.
 */
export interface ServingModel {
  readonly recommender: Recommender;
  readonly manifest: ArtifactManifest;
  readonly digest: string;
  readonly uri: string;
  readonly loadedAt: Date;
  /** {"run", "digest"} as JSON: the same in every answer of this model. */
  readonly refJson: string;
  readonly itemNorms: Float32Array;
  /** Buffers for recommendFast, reused by every request on this model. */
  readonly ranking: RankingScratch;
  /**
   * recommendationKey(userId, n) -> response body: exact for the user's ratings when cached,
   * dropped when they rate. One flat map of strings keeps the heap's object count low.
   */
  readonly recommendationCache: BoundedCache<number, string>;
  /** userId -> folded-in profile of a user who rated since the model was trained; dropped when they rate again. */
  readonly profileCache: BoundedCache<number, PreparedProfile>;
  /** Progress of the background fill of the recommendation cache (precompute.ts). */
  readonly precomputed: { users: number; done: boolean };
  /** movieId -> (n -> response body). */
  readonly similarCache: BoundedCache<number, Map<number, string>>;
  /** userId -> the last recommendations body this model served (or shadow-answered) the user: for online hits. */
  readonly lastServed: BoundedCache<number, string>;
}

export function makeServingModel(
  loaded: { model: Recommender; manifest: ArtifactManifest; digest: string; uri: string },
  cacheSize: number,
): ServingModel {
  const f = loaded.model.factors;
  const itemNorms = itemFactorNorms(f);
  return {
    recommender: loaded.model,
    manifest: loaded.manifest,
    digest: loaded.digest,
    uri: loaded.uri,
    loadedAt: new Date(),
    refJson: JSON.stringify({ run: loaded.manifest.run, digest: loaded.digest }),
    itemNorms,
    ranking: makeRankingScratch(f.items.size),
    recommendationCache: new BoundedCache(cacheSize),
    profileCache: new BoundedCache(cacheSize),
    similarCache: new BoundedCache(Math.min(cacheSize, f.items.size)),
    lastServed: new BoundedCache(Math.max(cacheSize, 10_000)),
    precomputed: { users: 0, done: false },
  };
}

export function recommendationKey(userId: number, n: number): number {
  return userId * (MAX_N + 1) + n;
}

/** A Map that forgets its oldest entries past `capacity` (insertion order: enough for a cache cheap to refill). */
export class BoundedCache<K, V> {
  readonly #map = new Map<K, V>();
  readonly #capacity: number;

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  get(key: K): V | undefined {
    return this.#map.get(key);
  }

  set(key: K, value: V): void {
    if (this.#capacity === 0) return;
    if (this.#map.size >= this.#capacity && !this.#map.has(key)) {
      this.#map.delete(this.#map.keys().next().value as K);
    }
    this.#map.set(key, value);
  }

  delete(key: K): void {
    this.#map.delete(key);
  }

  get capacity(): number {
    return this.#capacity;
  }

  get size(): number {
    return this.#map.size;
  }
}
