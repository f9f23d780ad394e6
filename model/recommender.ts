import { easeScores, type EaseModel } from './ease.ts';
import { clipRating, type FactorModel } from './factor-model.ts';
import { foldInUser } from './fold-in.ts';
import { ialsScores, ialsUserVector, type IalsRanking } from './ials-ranking.ts';
import { baselineUserBias, neighborScore, type CooccurrenceModel, type NeighborModel } from './neighbors.ts';
import { indexOfSorted, makeProfile, type UserProfile } from './profile.ts';
import type { SimilarLists } from './similar.ts';
import { topN } from './top-n.ts';

/** predicted rating = intercept + factorWeight * factor model + neighborWeight * neighbour model. */
export interface RatingBlend {
  intercept: number;
  factorWeight: number;
  neighborWeight: number;
}

/**
 * Top-n ranking score of a candidate i for user u, with the co-occurrence model:
 *   sum over rated j of (r_uj / 5)^ratingPower * cooccurrence(j, i), scaled to a maximum of 1,
 *   + ratingWeight * the factor model's predicted rating;
 * candidates are the items the user's rated items co-occur with. With `itemModel: 'ease'`, the
 * first term is the EASE score (sum over rated j of B_ji) scaled to a maximum of 1, and candidates
 * are the items EASE covers. With `itemModel: 'ials'`, the first term is the iALS score (the person's
 * vector, solved from what they rated, dot each movie's factors) scaled to a maximum of 1, and
 * candidates are the best IALS_CANDIDATES movies by it. The popularity ranking fills up.
 * `popularityOnly` serves the popularity ranking to everyone: chosen when it scored better on the
 * validation slice (data whose co-occurrences say nothing beyond popularity).
 */
export interface RankingParams {
  ratingWeight: number;
  ratingPower: number;
  popularityOnly?: boolean;
  /** The item-item model of the first term; co-occurrence when absent. */
  itemModel?: 'cooccurrence' | 'ease' | 'ials';
}

export type RankingModelName = 'popularity' | 'cooccurrence' | 'ease' | 'ials';

/** Candidates iALS passes to the ranking score (at least twice the n asked): the rest cannot rise to the top. */
export const IALS_CANDIDATES = 200;

/** Which model ranks: what the run record, the Models page and `kubectl get tr` show. */
export function rankingModelName(ranking: RankingParams): RankingModelName {
  return ranking.popularityOnly ? 'popularity' : (ranking.itemModel ?? 'cooccurrence');
}

/** Each known user's rated items (sorted by item index) and ratings, for exclusion and profiles. */
export interface RatedItems {
  offsets: Int32Array;
  items: Int32Array;
  ratings: Float32Array;
}

export interface Recommender {
  readonly factors: FactorModel;
  readonly neighbors: NeighborModel | null;
  readonly cooccurrence: CooccurrenceModel | null;
  readonly ease: EaseModel | null;
  /** Present when iALS ranks (ranking.itemModel 'ials'). */
  readonly ials: IalsRanking | null;
  /** Each movie's most similar movies, precomputed at training (similar.ts). */
  readonly similar: SimilarLists | null;
  readonly blend: RatingBlend;
  readonly ranking: RankingParams;
  /** Item indices, best first: the cold-start ranking. */
  readonly popularity: Int32Array;
  readonly rated: RatedItems;
}

/** A profile ready for scoring: the factor model's view of the person and the neighbour model's. */
export interface PreparedProfile {
  readonly profile: UserProfile;
  readonly factorBias: number;
  readonly factorVector: Float32Array;
  readonly neighborBias: number;
}

export const noBlend: RatingBlend = { intercept: 0, factorWeight: 1, neighborWeight: 0 };

export function knownUserProfile(model: Recommender, user: number): UserProfile {
  return ratedProfile(model.rated, user);
}

/** A known user's profile from the rated items alone (what knownUserProfile reads of the model). */
export function ratedProfile(rated: RatedItems, user: number): UserProfile {
  const { offsets, items, ratings } = rated;
  const start = offsets[user]!;
  const end = offsets[user + 1]!;
  return { user, items: items.subarray(start, end), ratings: ratings.subarray(start, end) };
}

/**
 * Known users with no ratings beyond training use their trained factors; anyone else (a visitor,
 * or a user with newer ratings) is folded in against the item factors, exact for the ratings given.
 */
export function prepareProfile(model: Recommender, profile: UserProfile, trained = profile.user >= 0): PreparedProfile {
  const f = model.factors;
  let factorBias: number;
  let factorVector: Float32Array;
  if (trained && profile.user >= 0) {
    factorBias = f.userBias[profile.user]!;
    factorVector = f.userFactors.subarray(profile.user * f.stride, (profile.user + 1) * f.stride);
  } else {
    ({ bias: factorBias, vector: factorVector } = foldInUser(f, profile));
  }
  const neighborBias = model.neighbors ? baselineUserBias(model.neighbors, profile) : 0;
  return { profile, factorBias, factorVector, neighborBias };
}

/** The factor model's unclipped score for an item (dense index, -1 unknown). */
export function factorScore(model: Recommender, prepared: PreparedProfile, item: number): number {
  const f = model.factors;
  let score = f.mean + prepared.factorBias;
  if (item < 0) return score;
  score += f.itemBias[item]!;
  const q = f.itemFactors;
  const v = prepared.factorVector;
  const base = item * f.stride;
  let dot = 0;
  for (let k = 0; k < f.stride; k++) dot += v[k]! * q[base + k]!;
  return score + dot;
}

/** The blended predicted rating, clipped to the rating scale. */
export function predictRating(model: Recommender, prepared: PreparedProfile, item: number): number {
  const { blend, neighbors } = model;
  const useNeighbors = neighbors !== null && blend.neighborWeight !== 0;
  if (item >= 0) touchLines(model, prepared, item, useNeighbors);
  let value = blend.intercept + blend.factorWeight * factorScore(model, prepared, item);
  if (useNeighbors) {
    value += blend.neighborWeight * neighborScore(neighbors, prepared.profile, prepared.neighborBias, item);
  }
  return clipRating(value);
}

/** Elements per 64-byte cache line in a 4-byte typed array. */
const PER_LINE = 16;
/** Where touchLines leaves its reads, so that the compiler keeps them. */
// biome-ignore lint/correctness/noUnusedVariables: write-only by design, the sink described above
let touchSink = 0;

/**
 * Reads one element of every cache line a prediction is about to read: the user's factor row,
 * the item's, the item's neighbour list and the user's ratings. For a random user and item these
 * are in main memory; read like this, the loads do not depend on each other and are fetched in
 * parallel, where the scoring loops would fetch one array after another. Measured on the
 * ml-20m-shaped bench model with 512 KB of other memory written between calls (what a request's
 * HTTP work does to the caches): 4.4 µs a prediction before, 2.7 µs after.
 */
function touchLines(model: Recommender, prepared: PreparedProfile, item: number, withNeighbors: boolean): void {
  const f = model.factors;
  const v = prepared.factorVector;
  let sum = 0;
  for (let k = 0; k < v.length; k += PER_LINE) sum += v[k]!;
  for (let k = item * f.stride, end = k + f.stride; k < end; k += PER_LINE) sum += f.itemFactors[k]!;
  if (withNeighbors) {
    const { offsets, neighborItems, similarities } = model.neighbors!;
    for (let a = offsets[item]!, end = offsets[item + 1]!; a < end; a += PER_LINE)
      sum += neighborItems[a]! + similarities[a]!;
    const { items, ratings } = prepared.profile;
    for (let k = 0; k < items.length; k += PER_LINE) sum += items[k]! + ratings[k]!;
  }
  touchSink = sum;
}

/**
 * touchLines for a prediction about to be made for a known user, started before the profile is
 * built: also the rows of the tables that lead to those lines (offsets, biases), so that both
 * chains of dependent reads, the user's and the item's, are in flight together. Measured as
 * touchLines above: 3.3 µs for a profile and a prediction without it, 2.85 µs with it.
 */
export function prefetchPrediction(model: Recommender, user: number, item: number): void {
  if (user < 0 || item < 0) return;
  const { factors: f, rated, neighbors } = model;
  let sum = f.userBias[user]! + f.itemBias[item]!;
  for (let k = user * f.stride, end = k + f.stride; k < end; k += PER_LINE) sum += f.userFactors[k]!;
  for (let k = item * f.stride, end = k + f.stride; k < end; k += PER_LINE) sum += f.itemFactors[k]!;
  if (neighbors && model.blend.neighborWeight !== 0) {
    const { offsets, neighborItems, similarities, baseline } = neighbors;
    sum += baseline.userBias[user]! + baseline.itemBias[item]!;
    for (let a = offsets[item]!, end = offsets[item + 1]!; a < end; a += PER_LINE)
      sum += neighborItems[a]! + similarities[a]!;
    for (let k = rated.offsets[user]!, end = rated.offsets[user + 1]!; k < end; k += PER_LINE)
      sum += rated.items[k]! + rated.ratings[k]!;
  }
  touchSink = sum;
}

export interface Recommendation {
  items: Int32Array;
  /** The ranking came from the popularity ranking alone (nothing known of the person). */
  coldStart: boolean;
}

/** The items a profile's rated items co-occur with, with the two parts of their ranking score. */
export interface RankingCandidates {
  items: Int32Array;
  /** Co-occurrence score scaled to a maximum of 1. */
  cooccurrence: Float64Array;
  /** The factor model's clipped predicted rating. */
  rating: Float64Array;
}

/**
 * Gathers the candidates for a profile, with their co-occurrence scores: one pass over the
 * neighbour lists of the rated items. The candidate set does not depend on `ratingPower`.
 * `scratch` (length = catalogue size, all zero, left all zero) avoids allocating per call.
 */
export function cooccurrenceCandidates(
  model: Recommender,
  profile: UserProfile,
  ratingPower: number,
  scratch: Float64Array = new Float64Array(model.factors.items.size),
): Pick<RankingCandidates, 'items' | 'cooccurrence'> {
  const { items, cooccurrence } = cooccurrenceCandidatesByPower(
    model.cooccurrence!,
    model.factors.items.size,
    profile,
    [ratingPower],
    scratch,
  );
  return { items, cooccurrence: cooccurrence[0]! };
}

/**
 * cooccurrenceCandidates for several rating powers in the same pass (the training's choice of
 * parameters scores them all): `cooccurrence[p]` goes with `ratingPowers[p]` and is what
 * cooccurrenceCandidates returns for that power, bit for bit. `scratch` holds catalogue size x
 * powers sums, interleaved (item i, power p at i * powers + p), all zero and left all zero. It
 * reads the co-occurrence lists alone (the training's worker gathers them before the factors exist).
 */
export function cooccurrenceCandidatesByPower(
  lists: CooccurrenceModel,
  catalogueSize: number,
  profile: UserProfile,
  ratingPowers: readonly number[],
  scratch: Float64Array,
): { items: Int32Array; cooccurrence: Float64Array[] } {
  const itemCount = catalogueSize;
  const { offsets, neighborItems, similarities } = lists;
  const powers = ratingPowers.length;
  const weights = new Float64Array(powers);
  // each item is touched once at most
  if (touchedSlots.length < itemCount) touchedSlots = new Int32Array(itemCount);
  let touchedCount = 0;
  for (let k = 0; k < profile.items.length; k++) {
    const j = profile.items[k]!;
    if (j < 0 || j >= itemCount) continue;
    for (let p = 0; p < powers; p++)
      weights[p] = ratingPowers[p] === 0 ? 1 : (profile.ratings[k]! / 5) ** ratingPowers[p]!;
    for (let a = offsets[j]!, end = offsets[j + 1]!; a < end; a++) {
      const at = neighborItems[a]! * powers;
      // similarities and weights are positive: a zero sum means not touched yet
      if (scratch[at] === 0) touchedSlots[touchedCount++] = at;
      const similarity = similarities[a]!;
      for (let p = 0; p < powers; p++) scratch[at + p]! += weights[p]! * similarity;
    }
  }
  const max = new Float64Array(powers);
  for (let t = 0; t < touchedCount; t++) {
    const at = touchedSlots[t]!;
    for (let p = 0; p < powers; p++) if (scratch[at + p]! > max[p]!) max[p] = scratch[at + p]!;
  }
  const items = new Int32Array(touchedCount);
  const cooccurrence = Array.from({ length: powers }, () => new Float64Array(touchedCount));
  let count = 0;
  for (let t = 0; t < touchedCount; t++) {
    const at = touchedSlots[t]!;
    const i = at / powers;
    const rated = indexOfSorted(profile.items, i) >= 0;
    for (let p = 0; p < powers; p++) {
      if (!rated) cooccurrence[p]![count] = scratch[at + p]! / max[p]!;
      scratch[at + p] = 0;
    }
    if (!rated) items[count++] = i;
  }
  return { items: items.subarray(0, count), cooccurrence: cooccurrence.map((c) => c.subarray(0, count)) };
}

/** cooccurrenceCandidatesByPower's touched scratch slots, reused between calls. */
let touchedSlots = new Int32Array(0);

/** The factor model's clipped predicted rating of each item. */
export function candidateRatings(model: Recommender, prepared: PreparedProfile, items: Int32Array): Float64Array {
  // factorScore inlined by hand: the training's validation calls this for about a million items
  const { mean, itemBias, itemFactors, stride } = model.factors;
  const v = prepared.factorVector;
  const base = mean + prepared.factorBias;
  const ratings = new Float64Array(items.length);
  for (let c = 0; c < items.length; c++) {
    const item = items[c]!;
    if (item < 0) {
      ratings[c] = clipRating(base);
      continue;
    }
    const at = item * stride;
    let dot = 0;
    for (let k = 0; k < stride; k++) dot += v[k]! * itemFactors[at + k]!;
    ratings[c] = clipRating(base + itemBias[item]! + dot);
  }
  return ratings;
}

export function rankingCandidates(
  model: Recommender,
  prepared: PreparedProfile,
  ratingPower: number,
  scratch?: Float64Array,
): RankingCandidates {
  const { items, cooccurrence } = cooccurrenceCandidates(model, prepared.profile, ratingPower, scratch);
  return { items, cooccurrence, rating: candidateRatings(model, prepared, items) };
}

/** The best n candidates for a rating weight, then the popularity ranking to fill up. */
export function rankCandidates(
  model: Recommender,
  profile: UserProfile,
  candidates: RankingCandidates | null,
  ratingWeight: number,
  n: number,
): Int32Array {
  const chosen: number[] = [];
  const taken = new Set<number>();
  if (candidates && candidates.items.length > 0) {
    const scores = new Float64Array(candidates.items.length);
    for (let k = 0; k < scores.length; k++)
      scores[k] = candidates.cooccurrence[k]! + ratingWeight * candidates.rating[k]!;
    for (const k of topN(scores, n)) {
      chosen.push(candidates.items[k]!);
      taken.add(candidates.items[k]!);
    }
  }
  for (let k = 0; k < model.popularity.length && chosen.length < n; k++) {
    const i = model.popularity[k]!;
    if (taken.has(i) || indexOfSorted(profile.items, i) >= 0) continue;
    chosen.push(i);
  }
  return Int32Array.from(chosen);
}

/**
 * The EASE candidates of a profile: every item EASE covers that the profile has not rated, with its
 * EASE score scaled to a maximum of 1 (when that is positive) and the factor model's clipped
 * predicted rating from `ratings` (by position in ease.items; zeros when null). Null when EASE
 * covers none of the rated items.
 */
export function easeCandidates(
  ease: EaseModel,
  prepared: PreparedProfile,
  ratings: Float64Array | null,
): RankingCandidates | null {
  const n = ease.items.length;
  const scores = new Float64Array(n);
  const rated = prepared.profile.items;
  if (!easeScores(ease, rated, scores)) return null;
  for (let k = 0; k < rated.length; k++) {
    const p = rated[k]! < ease.positions.length ? ease.positions[rated[k]!]! : -1;
    if (p >= 0) scores[p] = Number.NaN;
  }
  const items = new Int32Array(n);
  const easeScore = new Float64Array(n);
  const rating = new Float64Array(n);
  let count = 0;
  let max = 0;
  for (let p = 0; p < n; p++) {
    const score = scores[p]!;
    if (Number.isNaN(score)) continue;
    items[count] = ease.items[p]!;
    if (ratings) rating[count] = ratings[p]!;
    easeScore[count++] = score;
    if (score > max) max = score;
  }
  const scale = max > 0 ? 1 / max : 1;
  for (let k = 0; k < count; k++) easeScore[k]! *= scale;
  return {
    items: items.subarray(0, count),
    cooccurrence: easeScore.subarray(0, count),
    rating: rating.subarray(0, count),
  };
}

/**
 * The iALS candidates of a profile: the `count` best movies by iALS score that the profile has not
 * rated, the score scaled to a maximum of 1 (when that is positive), with the factor model's clipped
 * predicted rating when `withRatings`. Null for an empty profile.
 */
export function ialsCandidates(
  model: Recommender,
  ials: IalsRanking,
  prepared: PreparedProfile,
  count: number,
  withRatings: boolean,
): RankingCandidates | null {
  const rated = prepared.profile.items;
  if (rated.length === 0) return null;
  const scores = new Float64Array(model.factors.items.size);
  ialsScores(ials, ialsUserVector(ials, rated), scores);
  for (let k = 0; k < rated.length; k++)
    if (rated[k]! >= 0 && rated[k]! < scores.length) scores[rated[k]!] = Number.NaN;
  const items = topN(scores, count);
  const max = items.length > 0 ? scores[items[0]!]! : 0;
  const scale = max > 0 ? 1 / max : 1;
  return {
    items,
    cooccurrence: Float64Array.from(items, (i) => scores[i]! * scale),
    rating: withRatings ? candidateRatings(model, prepared, items) : new Float64Array(items.length),
  };
}

/** Top-n items the person has not rated, by the ranking score; exact for the profile given. */
export function recommend(
  model: Recommender,
  prepared: PreparedProfile,
  n: number,
  scratch?: Float64Array,
): Recommendation {
  const { ranking } = model;
  const useEase = ranking.itemModel === 'ease' && model.ease !== null;
  const useIals = ranking.itemModel === 'ials' && model.ials !== null;
  const coldStart = prepared.profile.items.length === 0 || (!model.cooccurrence && !useEase && !useIals);
  let candidates: RankingCandidates | null = null;
  if (!coldStart && !ranking.popularityOnly) {
    const withRatings = ranking.ratingWeight !== 0;
    if (useEase) {
      candidates = easeCandidates(
        model.ease!,
        prepared,
        withRatings ? candidateRatings(model, prepared, model.ease!.items) : null,
      );
    } else if (useIals) {
      candidates = ialsCandidates(model, model.ials!, prepared, Math.max(IALS_CANDIDATES, 2 * n), withRatings);
    } else {
      candidates = rankingCandidates(model, prepared, ranking.ratingPower, scratch);
    }
  }
  return { items: rankCandidates(model, prepared.profile, candidates, ranking.ratingWeight, n), coldStart };
}

/** A visitor's profile from external movie ids; unknown movies are dropped (they cannot inform the model). */
export function visitorProfile(
  model: Recommender,
  ratings: readonly { movieId: number; rating: number }[],
): UserProfile {
  const items: number[] = [];
  const values: number[] = [];
  for (const { movieId, rating } of ratings) {
    const item = model.factors.items.indexOf(movieId);
    if (item < 0) continue;
    items.push(item);
    values.push(rating);
  }
  return makeProfile(-1, items, values);
}
