import { Random } from '../model/random.ts';
import type { Ratings } from '../model/ratings.ts';
import { AliasTable } from './alias-table.ts';
import { selectSmallest } from './select-smallest.ts';

/**
 * Shape and truth of a synthetic ratings set. A rating is
 * round_half(globalMean + userBias + movieBias + userFactors·movieFactors + noise), clipped to
 * [0.5, 5]; which movies a user rated follows Zipf-Mandelbrot popularity, how many follows
 * Zipf-Mandelbrot activity (weight of rank r is (r + 1 + offset)^-exponent).
 */
export interface SyntheticConfig {
  users: number;
  movies: number;
  ratings: number;
  seed?: number;
  /** Planted factor dimension. */
  rank?: number;
  globalMean?: number;
  userBiasStd?: number;
  movieBiasStd?: number;
  /** Standard deviation of the planted interaction userFactors·movieFactors. */
  interactionStd?: number;
  noiseStd?: number;
  popularityExponent?: number;
  /** In ranks; flattens the head so the top movie is not rated by everyone. Default movies / 40. */
  popularityOffset?: number;
  activityExponent?: number;
  /** In ranks; default users / 15. */
  activityOffset?: number;
  /** MovieLens keeps users with at least 20 ratings; lowered when ratings / users is smaller. */
  minRatingsPerUser?: number;
  /** Unix seconds bounding the generated timestamps. */
  startTime?: number;
  endTime?: number;
}

/** Sizes of the real releases, for scale tests that should look like them. */
export const SYNTHETIC_PRESETS = {
  'ml-1m': { users: 6_040, movies: 3_706, ratings: 1_000_209 },
  'ml-20m': { users: 138_493, movies: 26_744, ratings: 20_000_263 },
} as const satisfies Record<string, SyntheticConfig>;

export type SyntheticPreset = keyof typeof SYNTHETIC_PRESETS;

/** The model the ratings were drawn from. User u has id u + 1, movie m has id m + 1. */
export interface PlantedModel {
  readonly rank: number;
  readonly globalMean: number;
  readonly noiseStd: number;
  readonly userBias: Float32Array;
  readonly movieBias: Float32Array;
  /** Row-major: the factors of user id u start at (u - 1) * rank. */
  readonly userFactors: Float32Array;
  readonly movieFactors: Float32Array;
}

export interface SyntheticDataset {
  /** Grouped by user (ids 1..users); every user and, when ratings >= movies, every movie appears. */
  readonly ratings: Ratings;
  readonly planted: PlantedModel;
  readonly config: Readonly<Required<SyntheticConfig>>;
}

/** The planted expected rating before noise, rounding and clipping. */
export function plantedScore(planted: PlantedModel, userId: number, movieId: number): number {
  const { rank, userFactors, movieFactors } = planted;
  const u = userId - 1;
  const m = movieId - 1;
  let dot = 0;
  for (let f = 0; f < rank; f++) dot += userFactors[u * rank + f]! * movieFactors[m * rank + f]!;
  return planted.globalMean + planted.userBias[u]! + planted.movieBias[m]! + dot;
}

export function resolveSyntheticConfig(config: SyntheticConfig): Required<SyntheticConfig> {
  const { users, movies, ratings } = config;
  for (const [name, value] of Object.entries({ users, movies, ratings })) {
    if (!Number.isInteger(value) || value < 1)
      throw new Error(`synthetic ${name} must be a positive integer, got ${value}`);
  }
  if (ratings < users)
    throw new Error(`synthetic ratings (${ratings}) must be at least users (${users}): every user rates`);
  if (ratings > users * movies) {
    throw new Error(`synthetic ratings (${ratings}) exceed users x movies (${users * movies}): pairs would repeat`);
  }
  const resolved: Required<SyntheticConfig> = {
    users,
    movies,
    ratings,
    seed: 42,
    rank: 8,
    globalMean: 3.5,
    userBiasStd: 0.35,
    movieBiasStd: 0.45,
    interactionStd: 0.6,
    noiseStd: 0.5,
    popularityExponent: 2,
    popularityOffset: movies / 40,
    activityExponent: 2,
    activityOffset: users / 15,
    minRatingsPerUser: 20,
    startTime: Date.UTC(2000, 0, 1) / 1000,
    endTime: Date.UTC(2015, 0, 1) / 1000,
    ...stripUndefined(config),
  };
  resolved.minRatingsPerUser = Math.max(1, Math.min(resolved.minRatingsPerUser, Math.floor(ratings / users), movies));
  if (!(resolved.endTime > resolved.startTime)) throw new Error('synthetic endTime must be after startTime');
  return resolved;
}

/**
 * Draws a ratings set from a planted low-rank model, straight into typed arrays: seeded and
 * deterministic, no (user, movie) pair twice.
 */
export function generateSynthetic(
  input: SyntheticConfig | SyntheticPreset,
  overrides: Partial<SyntheticConfig> = {},
): SyntheticDataset {
  const config = resolveSyntheticConfig({
    ...(typeof input === 'string' ? SYNTHETIC_PRESETS[input] : input),
    ...overrides,
  });
  const random = new Random(config.seed);
  const planted = drawPlantedModel(config, random);
  const counts = userActivityCounts(config, random);
  const popularity = zipfWeights(config.movies, config.popularityExponent, config.popularityOffset);
  const movieAtRank = permutation(config.movies, random);
  const movieWeights = new Float64Array(config.movies);
  for (let r = 0; r < config.movies; r++) movieWeights[movieAtRank[r]!] = popularity[r]!;
  const seeds = config.ratings >= config.movies ? seedEveryMovie(counts, config.movies, config.ratings, random) : null;
  const ratings = drawRatings(config, planted, counts, movieWeights, heavyUserThreshold(popularity), seeds, random);
  return { ratings, planted, config };
}

function drawPlantedModel(config: Required<SyntheticConfig>, random: Random): PlantedModel {
  const { users, movies, rank } = config;
  // Var(p·q) = rank * s^4 for independent N(0, s^2) entries.
  const factorStd = Math.sqrt(config.interactionStd) / rank ** 0.25;
  const normals = (n: number, std: number): Float32Array => {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = random.normal() * std;
    return out;
  };
  return {
    rank,
    globalMean: config.globalMean,
    noiseStd: config.noiseStd,
    userBias: normals(users, config.userBiasStd),
    movieBias: normals(movies, config.movieBiasStd),
    userFactors: normals(users * rank, factorStd),
    movieFactors: normals(movies * rank, factorStd),
  };
}

function zipfWeights(n: number, exponent: number, offset: number): Float64Array {
  const weights = new Float64Array(n);
  for (let r = 0; r < n; r++) weights[r] = (r + 1 + offset) ** -exponent;
  return weights;
}

function permutation(n: number, random: Random): Int32Array {
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  random.shuffle(order);
  return order;
}

/**
 * Ratings per user: at least minRatingsPerUser, at most one per movie, Zipf-shaped in between,
 * summing exactly to `ratings`. Users whose share would exceed the catalogue are capped and
 * their excess spread over the rest (water filling); rounding by largest remainder.
 */
export function userActivityCounts(config: Required<SyntheticConfig>, random: Random): Int32Array {
  const { users, movies, ratings, minRatingsPerUser: min } = config;
  const weights = zipfWeights(users, config.activityExponent, config.activityOffset);
  const restWeight = new Float64Array(users + 1);
  for (let r = users - 1; r >= 0; r--) restWeight[r] = restWeight[r + 1]! + weights[r]!;
  const extra = ratings - users * min;
  let capped = 0;
  let share = 0;
  for (; capped < users; capped++) {
    share = (extra - capped * (movies - min)) / restWeight[capped]!;
    if (min + share * weights[capped]! <= movies) break;
  }
  const targets = new Float64Array(users);
  for (let r = 0; r < users; r++) targets[r] = r < capped ? movies : min + share * weights[r]!;
  const byRank = new Int32Array(users);
  let assigned = 0;
  for (let r = 0; r < users; r++) {
    byRank[r] = Math.floor(targets[r]!);
    assigned += byRank[r]!;
  }
  const order = Array.from({ length: users }, (_, r) => r);
  order.sort((a, b) => targets[b]! - byRank[b]! - (targets[a]! - byRank[a]!) || a - b);
  for (let i = 0; assigned < ratings; i = (i + 1) % users) {
    const r = order[i]!;
    if (byRank[r]! < movies) {
      byRank[r]!++;
      assigned++;
    }
  }
  const userAtRank = permutation(users, random);
  const counts = new Int32Array(users);
  for (let r = 0; r < users; r++) counts[userAtRank[r]!] = byRank[r]!;
  return counts;
}

interface Seeds {
  /** Seeded movies of user u are movies[offsets[u], offsets[u + 1]). */
  readonly offsets: Int32Array;
  readonly movies: Int32Array;
}

/**
 * Gives every movie one rating up front, from a user picked in proportion to how many ratings
 * they have left, so that the catalogue is covered however thin the popularity tail.
 */
function seedEveryMovie(counts: Int32Array, movies: number, ratings: number, random: Random): Seeds {
  const users = counts.length;
  const slotEnds = new Float64Array(users);
  let total = 0;
  for (let u = 0; u < users; u++) slotEnds[u] = total += counts[u]!;
  const seeded = new Int32Array(users);
  const userOfMovie = new Int32Array(movies);
  for (let m = 0; m < movies; m++) {
    for (;;) {
      const u = upperBound(slotEnds, random.int(ratings));
      if (seeded[u]! < counts[u]!) {
        seeded[u]!++;
        userOfMovie[m] = u;
        break;
      }
    }
  }
  const offsets = new Int32Array(users + 1);
  for (let u = 0; u < users; u++) offsets[u + 1] = offsets[u]! + seeded[u]!;
  const cursor = offsets.slice(0, users);
  const seededMovies = new Int32Array(movies);
  for (let m = 0; m < movies; m++) seededMovies[cursor[userOfMovie[m]!]!++] = m;
  return { offsets, movies: seededMovies };
}

/** First index whose end is greater than `slot`. */
function upperBound(ends: Float64Array, slot: number): number {
  let lo = 0;
  let hi = ends.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ends[mid]! > slot) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * Beyond this many ratings a user has taken most of the popularity mass, and drawing with
 * rejection would mostly hit movies already taken; such users draw by exponential keys instead.
 */
function heavyUserThreshold(popularityByRank: Float64Array): number {
  let total = 0;
  for (const w of popularityByRank) total += w;
  let mass = 0;
  for (let r = 0; r < popularityByRank.length; r++) {
    mass += popularityByRank[r]!;
    if (mass >= 0.9 * total) return Math.max(r, 1);
  }
  return popularityByRank.length;
}

function drawRatings(
  config: Required<SyntheticConfig>,
  planted: PlantedModel,
  counts: Int32Array,
  movieWeights: Float64Array,
  heavyThreshold: number,
  seeds: Seeds | null,
  random: Random,
): Ratings {
  const { users, movies, ratings: n, rank, startTime, endTime } = config;
  const userIds = new Int32Array(n);
  const movieIds = new Int32Array(n);
  const values = new Float32Array(n);
  const timestamps = new Float64Array(n);
  const { globalMean, userBias, movieBias, userFactors, movieFactors, noiseStd } = planted;
  const popularity = new AliasTable(movieWeights);
  const noise = new GaussianSource(random);
  const takenBy = new Int32Array(movies).fill(-1);
  const keys = new Float64Array(movies);
  const candidates = new Int32Array(movies);
  let row = 0;
  let userStart = 0;
  let userSpan = 0;

  const emit = (u: number, m: number): void => {
    let score = globalMean + userBias[u]! + movieBias[m]!;
    for (let f = 0, pu = u * rank, qm = m * rank; f < rank; f++) score += userFactors[pu + f]! * movieFactors[qm + f]!;
    const rating = Math.round((score + noiseStd * noise.next()) * 2) / 2;
    userIds[row] = u + 1;
    movieIds[row] = m + 1;
    values[row] = rating < 0.5 ? 0.5 : Math.min(rating, 5);
    timestamps[row] = Math.floor(userStart + random.next() * userSpan);
    row++;
  };

  for (let u = 0; u < users; u++) {
    // Users join over the whole period and stay active for a random part of what remains.
    userStart = startTime + random.next() * (endTime - startTime);
    userSpan = random.next() * (endTime - userStart);
    let need = counts[u]!;
    if (seeds) {
      for (let s = seeds.offsets[u]!; s < seeds.offsets[u + 1]!; s++) {
        const m = seeds.movies[s]!;
        takenBy[m] = u;
        emit(u, m);
        need--;
      }
    }
    if (counts[u]! > heavyThreshold) {
      let candidateCount = 0;
      for (let m = 0; m < movies; m++) {
        if (takenBy[m] === u) continue;
        // Efraimidis-Spirakis: the k smallest Exp(1)/weight keys are a weighted sample without replacement.
        keys[candidateCount] = -Math.log(1 - random.next()) / movieWeights[m]!;
        candidates[candidateCount++] = m;
      }
      selectSmallest(keys, candidates, candidateCount, need);
      for (let k = 0; k < need; k++) emit(u, candidates[k]!);
    } else {
      while (need > 0) {
        const m = popularity.sample(random);
        if (takenBy[m] === u) continue;
        takenBy[m] = u;
        emit(u, m);
        need--;
      }
    }
  }
  return { length: n, userIds, movieIds, values, timestamps };
}

/**
 * Standard normals by Marsaglia's polar method, which yields them in pairs from one log and one
 * square root: several times cheaper than Box-Muller's log, root and cosine per value.
 */
class GaussianSource {
  readonly #random: Random;
  #spare = 0;
  #hasSpare = false;

  constructor(random: Random) {
    this.#random = random;
  }

  next(): number {
    if (this.#hasSpare) {
      this.#hasSpare = false;
      return this.#spare;
    }
    let x: number;
    let y: number;
    let s: number;
    do {
      x = 2 * this.#random.next() - 1;
      y = 2 * this.#random.next() - 1;
      s = x * x + y * y;
    } while (s >= 1 || s === 0);
    const scale = Math.sqrt((-2 * Math.log(s)) / s);
    this.#spare = y * scale;
    this.#hasSpare = true;
    return x * scale;
  }
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
