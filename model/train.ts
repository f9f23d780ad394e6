import { fitBlend } from './blend.ts';
import { clipRating } from './factor-model.ts';
import { RankingAccumulator } from './metrics.ts';
import { neighborFitCost, fitItemNeighbors, defaultNeighborParams, type NeighborParams, neighborScore } from './neighbors.ts';
import { popularityRanking } from './popularity.ts';
import { Random } from './random.ts';
import type { Ratings } from './ratings.ts';
import {
  factorScore,
  knownUserProfile,
  noBlend,
  prepareProfile,
  candidateRatings,
  cooccurrenceCandidates,
  rankCandidates,
  type RankingParams,
  type RatingBlend,
  type Recommender,
} from './recommender.ts';
import { trainFactors, type EpochReport, type FactorParams } from './train-factors.ts';
import { buildTrainingSet, sortedRatedItems, subsetTrainingSet, type TrainingSet } from './training-set.ts';

export interface TrainConfig {
  factors: FactorParams;
  neighbors: NeighborParams;
  seed: number;
  /** Share of the ratings held out to choose epochs, blend weights and ranking parameters. */
  validationFraction: number;
  /** Choose the epoch count on the validation slice (otherwise train exactly factors.epochs). */
  earlyStopping: boolean;
  /** Cold start: items need this many ratings to enter the popularity ranking. */
  popularityMinRatings: number;
  /** Train the item-neighbour models (rating blend and co-occurrence ranking). */
  useNeighbors: boolean;
  /** Skip the neighbour models when they would cost more co-rated pairs than this. */
  maxNeighborPairs: number;
  rankingGrid: { ratingWeight: number[]; ratingPower: number[] };
  /** Users sampled from the validation slice to choose the ranking parameters. */
  rankingValidationUsers: number;
}

/** Chosen by measurement on validation slices of ml-100k and ml-latest-small (see bench/). */
export const defaultTrainConfig: TrainConfig = {
  factors: {
    factors: 100,
    epochs: 60,
    learningRate: 0.007,
    biasLearningRate: 0.005,
    learningRateDecay: 1,
    regFactor: 0.08,
    regUserBias: 0.02,
    regItemBias: 0.02,
    regImplicit: 0.2,
    implicit: true,
    initStd: 0.05,
    patience: 3,
  },
  neighbors: defaultNeighborParams,
  seed: 42,
  validationFraction: 0.05,
  earlyStopping: true,
  popularityMinRatings: 20,
  useNeighbors: true,
  maxNeighborPairs: 2e10,
  rankingGrid: { ratingWeight: [0, 0.1, 0.2, 0.3, 0.5], ratingPower: [0, 1, 3] },
  rankingValidationUsers: 2000,
};

export const defaultRanking: RankingParams = { ratingWeight: 0.3, ratingPower: 3 };

export type TrainEvent =
  | { kind: 'epoch'; report: EpochReport }
  | { kind: 'stage'; stage: string; seconds: number; detail?: Record<string, unknown> };

export interface ValidationSummary {
  ratings: number;
  factorRmse: number;
  neighborRmse?: number;
  blendRmse: number;
  blend: RatingBlend;
  ranking: RankingParams;
  rankingNdcgAt10?: number;
}

export interface TrainResult {
  model: Recommender;
  epochs: EpochReport[];
  chosenEpochs: number;
  validation?: ValidationSummary;
  counts: { ratings: number; users: number; movies: number };
  stageSeconds: Record<string, number>;
  seconds: number;
}

/**
 * The training recipe: hold out a validation slice; train the factor model (early stopping) and
 * the neighbour models on the rest; choose the blend weights and ranking parameters on the slice;
 * then train everything again on all ratings with what was chosen.
 */
export function trainRecommender(
  ratings: Ratings,
  config: TrainConfig = defaultTrainConfig,
  onEvent: (event: TrainEvent) => void = () => {},
): TrainResult {
  const started = performance.now();
  const stageSeconds: Record<string, number> = {};
  const stage = <T>(name: string, work: () => T, detail?: (value: T) => Record<string, unknown>): T => {
    const t0 = performance.now();
    const value = work();
    const seconds = (performance.now() - t0) / 1000;
    stageSeconds[name] = (stageSeconds[name] ?? 0) + seconds;
    onEvent({ kind: 'stage', stage: name, seconds, ...(detail ? { detail: detail(value) } : {}) });
    return value;
  };
  const set = stage('index', () => buildTrainingSet(ratings));
  const epochs: EpochReport[] = [];
  const onEpoch = (report: EpochReport): void => {
    epochs.push(report);
    onEvent({ kind: 'epoch', report });
  };
  const useNeighbors = config.useNeighbors && neighborFitCost(set) <= config.maxNeighborPairs;

  let chosenEpochs = config.factors.epochs;
  let blend: RatingBlend = noBlend;
  let ranking = defaultRanking;
  let validation: ValidationSummary | undefined;

  if (config.validationFraction > 0) {
    const { fit, held } = splitRows(set.length, config.validationFraction, config.seed);
    const fitSet = subsetTrainingSet(set, fit);
    const factorRun = stage('fit-factors', () =>
      trainFactors(set, config.factors, {
        seed: config.seed + 1,
        rows: fit,
        validation: held,
        earlyStopping: config.earlyStopping,
        onEpoch,
      }),
    );
    if (config.earlyStopping) chosenEpochs = factorRun.bestEpoch;
    const fitModel = stage('fit-neighbors', () => assemble(fitSet, factorRun.model, useNeighbors, config, noBlend, defaultRanking));
    validation = stage('validate', () => chooseOnValidation(fitModel, set, held, config), (v) => ({ ...v }));
    blend = validation.blend;
    ranking = validation.ranking;
  }

  const refit = stage('refit-factors', () =>
    trainFactors(set, config.factors, { seed: config.seed + 2, epochs: chosenEpochs, phase: 'refit', onEpoch }),
  );
  const model = stage('refit-neighbors', () => assemble(set, refit.model, useNeighbors, config, blend, ranking));
  return {
    model,
    epochs,
    chosenEpochs,
    ...(validation ? { validation } : {}),
    counts: { ratings: set.length, users: set.users.size, movies: set.items.size },
    stageSeconds,
    seconds: (performance.now() - started) / 1000,
  };
}

function splitRows(count: number, fraction: number, seed: number): { fit: Int32Array; held: Int32Array } {
  const rows = Int32Array.from({ length: count }, (_, k) => k);
  new Random(seed).shuffle(rows);
  const heldCount = Math.max(1, Math.round(count * fraction));
  return { held: rows.slice(0, heldCount).sort(), fit: rows.slice(heldCount).sort() };
}

function assemble(
  set: TrainingSet,
  factors: Recommender['factors'],
  useNeighbors: boolean,
  config: TrainConfig,
  blend: RatingBlend,
  ranking: RankingParams,
): Recommender {
  const neighbors = useNeighbors ? fitItemNeighbors(set, config.neighbors) : null;
  const itemSums = new Float64Array(set.items.size);
  for (let k = 0; k < set.length; k++) itemSums[set.itemIndex[k]!]! += set.values[k]!;
  return {
    factors,
    neighbors: neighbors?.rating ?? null,
    cooccurrence: neighbors?.cooccurrence ?? null,
    blend: neighbors ? blend : noBlend,
    ranking,
    popularity: popularityRanking(set.itemCounts, itemSums, set.mean, config.popularityMinRatings),
    rated: sortedRatedItems(set),
  };
}

/** Blend weights by least squares and ranking parameters by NDCG@10, both on the held-out rows. */
function chooseOnValidation(model: Recommender, set: TrainingSet, held: Int32Array, config: TrainConfig): ValidationSummary {
  const n = held.length;
  const actual = new Float64Array(n);
  const factor = new Float64Array(n);
  const neighbor = new Float64Array(n);
  const byUser = new Map<number, number[]>();
  for (let k = 0; k < n; k++) {
    const user = set.userIndex[held[k]!]!;
    let rows = byUser.get(user);
    if (!rows) byUser.set(user, (rows = []));
    rows.push(k);
  }
  for (const [user, rows] of byUser) {
    const prepared = prepareProfile(model, knownUserProfile(model, user));
    for (const k of rows) {
      const row = held[k]!;
      const item = set.itemIndex[row]!;
      actual[k] = set.values[row]!;
      factor[k] = factorScore(model, prepared, item);
      if (model.neighbors) neighbor[k] = neighborScore(model.neighbors, prepared.profile, prepared.neighborBias, item);
    }
  }
  const rmseOf = (predict: (k: number) => number): number => {
    let sse = 0;
    for (let k = 0; k < n; k++) sse += (actual[k]! - clipRating(predict(k))) ** 2;
    return Math.sqrt(sse / n);
  };
  const blend = model.neighbors ? fitBlend(actual, factor, neighbor) : noBlend;
  const summary: ValidationSummary = {
    ratings: n,
    factorRmse: rmseOf((k) => factor[k]!),
    blendRmse: rmseOf((k) => blend.intercept + blend.factorWeight * factor[k]! + blend.neighborWeight * neighbor[k]!),
    blend,
    ranking: defaultRanking,
  };
  if (model.neighbors) summary.neighborRmse = rmseOf((k) => neighbor[k]!);
  if (model.cooccurrence) Object.assign(summary, chooseRanking(model, set, held, byUser, config));
  return summary;
}

function chooseRanking(
  model: Recommender,
  set: TrainingSet,
  held: Int32Array,
  byUser: Map<number, number[]>,
  config: TrainConfig,
): { ranking: RankingParams; rankingNdcgAt10: number } {
  const users: { user: number; relevant: Set<number> }[] = [];
  for (const [user, rows] of byUser) {
    const relevant = new Set<number>();
    for (const k of rows) if (set.values[held[k]!]! >= 4) relevant.add(set.itemIndex[held[k]!]!);
    if (relevant.size > 0) users.push({ user, relevant });
  }
  const random = new Random(config.seed + 3);
  const order = Int32Array.from({ length: users.length }, (_, k) => k);
  random.shuffle(order);
  const sample = Array.from(order.subarray(0, config.rankingValidationUsers), (k) => users[k]!);
  const { ratingWeight: weights, ratingPower: powers } = config.rankingGrid;
  const accumulators = powers.map(() => weights.map(() => new RankingAccumulator(10, set.items.size)));
  const scratch = new Float64Array(set.items.size);
  for (const { user, relevant } of sample) {
    const prepared = prepareProfile(model, knownUserProfile(model, user));
    // the candidate set is the same for every power: predict its ratings once per user
    let rating: Float64Array | undefined;
    powers.forEach((power, p) => {
      const { items, cooccurrence } = cooccurrenceCandidates(model, prepared.profile, power, scratch);
      rating ??= candidateRatings(model, prepared, items);
      const candidates = { items, cooccurrence, rating };
      weights.forEach((weight, w) => {
        accumulators[p]![w]!.add(rankCandidates(model, prepared.profile, candidates, weight, 10), relevant);
      });
    });
  }
  const popular = new RankingAccumulator(10, set.items.size);
  for (const { user, relevant } of sample) popular.add(rankCandidates(model, knownUserProfile(model, user), null, 0, 10), relevant);
  let best = { ranking: { ...defaultRanking, popularityOnly: true } as RankingParams, rankingNdcgAt10: popular.result().ndcgAt10 };
  powers.forEach((ratingPower, p) => {
    weights.forEach((ratingWeight, w) => {
      const ndcg = accumulators[p]![w]!.result().ndcgAt10;
      if (ndcg > best.rankingNdcgAt10) best = { ranking: { ratingWeight, ratingPower }, rankingNdcgAt10: ndcg };
    });
  });
  return best;
}
