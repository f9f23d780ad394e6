import { fitBlend } from './blend.ts';
import { defaultEaseParams, fitEase, type EaseModel, type EaseParams } from './ease.ts';
import { clipRating } from './factor-model.ts';
import {
  defaultIalsRankingParams,
  fitIalsRanking,
  ialsWanted,
  type IalsRanking,
  type IalsRankingParams,
} from './ials-ranking.ts';
import { RankingAccumulator } from './metrics.ts';
import { fitItemNeighborsOnThread, type PendingNeighborFit } from './neighbor-thread.ts';
import {
  neighborFitCost,
  fitItemNeighbors,
  defaultNeighborParams,
  type ItemNeighbors,
  type NeighborParams,
  neighborScore,
} from './neighbors.ts';
import { popularityRanking } from './popularity.ts';
import { Random } from './random.ts';
import type { Ratings } from './ratings.ts';
import {
  factorScore,
  knownUserProfile,
  noBlend,
  prepareProfile,
  candidateRatings,
  cooccurrenceCandidatesByPower,
  easeCandidates,
  ialsCandidates,
  IALS_CANDIDATES,
  rankCandidates,
  type RankingModelName,
  type RankingParams,
  type RatingBlend,
  type Recommender,
} from './recommender.ts';
import { buildSimilarLists, IALS_SIMILAR_SUPPORT } from './similar.ts';
import { trainFactors, type EpochReport, type FactorParams, type FactorTraining } from './train-factors.ts';
import { buildTrainingSet, sortedRatedItems, subsetTrainingSet, type TrainingSet } from './training-set.ts';
import { getOrInsert } from '../common/get-or-insert.ts';

export interface TrainConfig {
  factors: FactorParams;
  neighbors: NeighborParams;
  seed: number;
  /** Share of the ratings held out to choose epochs, blend weights and ranking parameters. */
  validationFraction: number;
  /** After choosing on the validation slice, train again on all ratings (otherwise keep the fit's models). */
  refit: boolean;
  /** Choose the epoch count on the validation slice (otherwise train exactly factors.epochs). */
  earlyStopping: boolean;
  /** Cold start: items need this many ratings to enter the popularity ranking. */
  popularityMinRatings: number;
  /** Train the item-neighbour models (rating blend and co-occurrence ranking). */
  useNeighbors: boolean;
  /** EASE ranking models fitted beside the neighbours (null: none); the validation slice chooses. */
  ease: EaseParams | null;
  /** iALS ranking fitted beside them when EASE covers too little of the catalogue (null: never); the slice chooses. */
  ials: IalsRankingParams | null;
  /** Skip the neighbour models when they would cost more co-rated pairs than this. */
  maxNeighborPairs: number;
  /** Fit the neighbour models on a worker thread, beside the factors, from this many co-rated pairs. */
  neighborThreadMinPairs: number;
  rankingGrid: { ratingWeight: number[]; ratingPower: number[] };
  /** Users sampled from the validation slice to choose the ranking parameters. */
  rankingValidationUsers: number;
}

/** Chosen by measurement on validation slices of ml-100k and ml-latest-small (see bench/). */
export const defaultTrainConfig: TrainConfig = {
  factors: {
    factors: 50,
    epochs: 60,
    learningRate: 0.015,
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
  refit: false,
  earlyStopping: true,
  popularityMinRatings: 20,
  useNeighbors: true,
  ease: defaultEaseParams,
  ials: defaultIalsRankingParams,
  maxNeighborPairs: 2e10,
  neighborThreadMinPairs: 2e7,
  rankingGrid: { ratingWeight: [0, 0.1, 0.2, 0.3, 0.5], ratingPower: [0, 1, 3] },
  rankingValidationUsers: 500,
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
  /** The λ of the EASE model kept (the best on the slice, whatever ranks). */
  easeLambda?: number;
  /** Each ranking model's best NDCG@10 on the slice (over its parameters), the chosen one's included. */
  modelNdcgAt10?: Partial<Record<RankingModelName, number>>;
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
 * The training recipe: hold out a validation slice; train the factor model (early stopping) and,
 * at the same time on a worker thread, the neighbour models on the rest; choose the blend weights
 * and ranking parameters on the slice. The models trained on the rest are the ones served (the
 * exclusion lists and the popularity ranking come from all ratings); with `refit`, everything is
 * trained again on all ratings with what was chosen, which costs the time of a second fit.
 */
export async function trainRecommender(
  ratings: Ratings,
  config: TrainConfig = defaultTrainConfig,
  onEvent: (event: TrainEvent) => void = () => {},
  /** Asked after every epoch of the fit on the validation slice: true ends that fit there. */
  stopFit?: (report: EpochReport) => boolean,
): Promise<TrainResult> {
  const started = performance.now();
  const stageSeconds: Record<string, number> = {};
  const record = (name: string, seconds: number, detail?: Record<string, unknown>): void => {
    stageSeconds[name] = (stageSeconds[name] ?? 0) + seconds;
    onEvent({ kind: 'stage', stage: name, seconds, ...(detail ? { detail } : {}) });
  };
  const stage = <T>(name: string, work: () => T, detail?: (value: T) => Record<string, unknown>): T => {
    const t0 = performance.now();
    const value = work();
    record(name, (performance.now() - t0) / 1000, detail?.(value));
    return value;
  };
  const set = stage('index', () => buildTrainingSet(ratings));
  const epochs: EpochReport[] = [];
  const onEpoch = (report: EpochReport): void => {
    epochs.push(report);
    onEvent({ kind: 'epoch', report });
  };
  const useNeighbors = config.useNeighbors && neighborFitCost(set) <= config.maxNeighborPairs;
  let easeParams = useNeighbors ? config.ease : null;
  let ialsParams =
    useNeighbors && config.ials && ialsWanted(set.itemCounts, config.ease, config.ials) ? config.ials : null;
  /** Factors on this thread, neighbours beside them: one stage event each, with its own duration. */
  const fitBoth = async (stagePrefix: string, neighborSet: TrainingSet, factors: () => FactorTraining) => {
    const pending = useNeighbors
      ? startNeighborFit(neighborSet, config.neighbors, easeParams, ialsParams, config.neighborThreadMinPairs)
      : null;
    let factorRun: FactorTraining;
    try {
      factorRun = stage(`${stagePrefix}-factors`, factors);
    } catch (error) {
      pending?.cancel();
      throw error;
    }
    if (!pending) return { factorRun, neighbors: null, ease: [], ials: null };
    const waitStart = performance.now();
    const { neighbors, ease, ials, seconds, easeSeconds, ialsSeconds, thread } = await pending.result;
    record(`${stagePrefix}-neighbors`, seconds, { thread, waitedSeconds: (performance.now() - waitStart) / 1000 });
    if (easeParams) record(`${stagePrefix}-ease`, easeSeconds, { thread, items: ease[0]?.items.length ?? 0 });
    if (ialsParams) record(`${stagePrefix}-ials`, ialsSeconds, { thread, factors: ials?.factors });
    return { factorRun, neighbors, ease, ials };
  };

  let chosenEpochs = config.factors.epochs;
  let blend: RatingBlend = noBlend;
  let ranking = defaultRanking;
  let validation: ValidationSummary | undefined;
  /** The models fitted beside the validation slice: served as they are unless config.refit. */
  let fitted:
    | { factors: Recommender['factors']; neighbors: ItemNeighbors | null; ease: EaseModel[]; ials: IalsRanking | null }
    | undefined;

  if (config.validationFraction > 0) {
    const { fit, held } = splitRows(set.length, config.validationFraction, config.seed);
    const fitSet = subsetTrainingSet(set, fit);
    const { factorRun, neighbors, ease, ials } = await fitBoth('fit', fitSet, () =>
      trainFactors(set, config.factors, {
        seed: config.seed + 1,
        rows: fit,
        validation: held,
        earlyStopping: config.earlyStopping,
        onEpoch,
        ...(stopFit ? { stopAfter: stopFit } : {}),
      }),
    );
    if (config.earlyStopping) chosenEpochs = factorRun.bestEpoch;
    fitted = { factors: factorRun.model, neighbors, ease, ials };
    const fitModel = assemble(fitSet, factorRun.model, neighbors, null, null, config, noBlend, defaultRanking);
    validation = stage(
      'validate',
      () => chooseOnValidation(fitModel, ease, ials, set, held, config),
      (v) => ({ ...v }),
    );
    blend = validation.blend;
    ranking = validation.ranking;
  }
  // without a validation slice to choose, the first λ
  const easeLambda = validation?.easeLambda ?? config.ease?.lambdas[0];
  const keptEase = (models: EaseModel[]): EaseModel | null => models.find((m) => m.lambda === easeLambda) ?? null;
  // iALS is kept only where it ranks
  const ialsRanks = ranking.itemModel === 'ials' && !ranking.popularityOnly;

  let model: Recommender;
  if (fitted && !config.refit) {
    const ials = ialsRanks ? fitted.ials : null;
    model = withSimilarLists(
      set,
      assemble(set, fitted.factors, fitted.neighbors, keptEase(fitted.ease), ials, config, blend, ranking),
    );
  } else {
    easeParams = easeParams && easeLambda !== undefined ? { ...easeParams, lambdas: [easeLambda] } : null;
    ialsParams = ialsRanks ? ialsParams : null;
    const { factorRun, neighbors, ease, ials } = await fitBoth('refit', set, () =>
      trainFactors(set, config.factors, { seed: config.seed + 2, epochs: chosenEpochs, phase: 'refit', onEpoch }),
    );
    model = withSimilarLists(
      set,
      assemble(set, factorRun.model, neighbors, keptEase(ease), ials, config, blend, ranking),
    );
  }
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

/** The neighbour and EASE fits, on a worker thread when they are big enough to be worth one. */
function startNeighborFit(
  set: TrainingSet,
  params: NeighborParams,
  ease: EaseParams | null,
  ials: IalsRankingParams | null,
  threadMinPairs: number,
): PendingNeighborFit {
  if (neighborFitCost(set) >= threadMinPairs) return fitItemNeighborsOnThread(set, params, ease, ials);
  const t0 = performance.now();
  const neighbors = fitItemNeighbors(set, params);
  const t1 = performance.now();
  const easeModels = ease ? fitEase(set, ease) : [];
  const t2 = performance.now();
  const ialsModel = ials ? fitIalsRanking(set, ials) : null;
  return {
    result: Promise.resolve({
      neighbors,
      ease: easeModels,
      ials: ialsModel,
      seconds: (t1 - t0) / 1000,
      easeSeconds: (t2 - t1) / 1000,
      ialsSeconds: (performance.now() - t2) / 1000,
      thread: 'main',
    }),
    cancel: () => {},
  };
}

function splitRows(count: number, fraction: number, seed: number): { fit: Int32Array; held: Int32Array } {
  const rows = new Int32Array(count);
  for (let k = 0; k < count; k++) rows[k] = k;
  new Random(seed).shuffle(rows);
  const heldCount = Math.max(1, Math.round(count * fraction));
  return { held: rows.slice(0, heldCount).sort(), fit: rows.slice(heldCount).sort() };
}

function assemble(
  set: TrainingSet,
  factors: Recommender['factors'],
  neighbors: ItemNeighbors | null,
  ease: EaseModel | null,
  ials: IalsRanking | null,
  config: TrainConfig,
  blend: RatingBlend,
  ranking: RankingParams,
): Recommender {
  return {
    factors,
    neighbors: neighbors?.rating ?? null,
    cooccurrence: neighbors?.cooccurrence ?? null,
    ease,
    ials,
    similar: null,
    blend: neighbors ? blend : noBlend,
    ranking,
    popularity: popularityOf(set, config),
    rated: sortedRatedItems(set),
  };
}

/** The served model's similar lists, from its item-item models (the validation's model needs none). */
function withSimilarLists(set: TrainingSet, model: Recommender): Recommender {
  const { ease, cooccurrence } = model;
  const ials = model.ials ? { ranking: model.ials, itemCounts: set.itemCounts, ...IALS_SIMILAR_SUPPORT } : null;
  return { ...model, similar: buildSimilarLists(model.factors.items.size, { ease, cooccurrence, ials }) };
}

function popularityOf(set: TrainingSet, config: TrainConfig): Int32Array {
  const itemSums = new Float64Array(set.items.size);
  for (let k = 0; k < set.length; k++) itemSums[set.itemIndex[k]!]! += set.values[k]!;
  return popularityRanking(set.itemCounts, itemSums, set.mean, config.popularityMinRatings);
}

/** Blend weights by least squares and ranking parameters by NDCG@10, both on the held-out rows. */
function chooseOnValidation(
  model: Recommender,
  ease: EaseModel[],
  ials: IalsRanking | null,
  set: TrainingSet,
  held: Int32Array,
  config: TrainConfig,
): ValidationSummary {
  const n = held.length;
  const actual = new Float64Array(n);
  const factor = new Float64Array(n);
  const neighbor = new Float64Array(n);
  const byUser = new Map<number, number[]>();
  for (let k = 0; k < n; k++) {
    const user = set.userIndex[held[k]!]!;
    getOrInsert(byUser, user, () => []).push(k);
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
  if (model.cooccurrence) Object.assign(summary, chooseRanking(model, ease, ials, set, held, byUser, config));
  return summary;
}

/**
 * The ranking with the best NDCG@10 on a sample of the slice's users, among: the popularity ranking,
 * co-occurrence for each rating power and weight, EASE for each λ and rating weight, and iALS (when
 * fitted) for each rating weight.
 */
function chooseRanking(
  model: Recommender,
  ease: EaseModel[],
  ials: IalsRanking | null,
  set: TrainingSet,
  held: Int32Array,
  byUser: Map<number, number[]>,
  config: TrainConfig,
): Pick<ValidationSummary, 'ranking' | 'rankingNdcgAt10' | 'easeLambda' | 'modelNdcgAt10'> {
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
  const scratch = new Float64Array(set.items.size * powers.length);
  for (const { user, relevant } of sample) {
    const prepared = prepareProfile(model, knownUserProfile(model, user));
    const { items, cooccurrence } = cooccurrenceCandidatesByPower(model, prepared.profile, powers, scratch);
    // the candidate set is the same for every power: predict its ratings once per user
    const rating = candidateRatings(model, prepared, items);
    powers.forEach((_, p) => {
      const candidates = { items, cooccurrence: cooccurrence[p]!, rating };
      weights.forEach((weight, w) => {
        accumulators[p]![w]!.add(rankCandidates(model, prepared.profile, candidates, weight, 10), relevant);
      });
    });
  }
  const easeAccumulators = ease.map(() => weights.map(() => new RankingAccumulator(10, set.items.size)));
  for (const { user, relevant } of sample) {
    const prepared = prepareProfile(model, knownUserProfile(model, user));
    // every λ covers the same items: predict their ratings once per user
    const ratings = ease.length > 0 ? candidateRatings(model, prepared, ease[0]!.items) : null;
    ease.forEach((easeModel, e) => {
      const candidates = easeCandidates(easeModel, prepared, ratings);
      weights.forEach((weight, w) => {
        easeAccumulators[e]![w]!.add(rankCandidates(model, prepared.profile, candidates, weight, 10), relevant);
      });
    });
  }
  const ialsAccumulators = weights.map(() => new RankingAccumulator(10, set.items.size));
  if (ials) {
    for (const { user, relevant } of sample) {
      const prepared = prepareProfile(model, knownUserProfile(model, user));
      const candidates = ialsCandidates(model, ials, prepared, IALS_CANDIDATES, true);
      weights.forEach((weight, w) => {
        ialsAccumulators[w]!.add(rankCandidates(model, prepared.profile, candidates, weight, 10), relevant);
      });
    }
  }
  const popular = new RankingAccumulator(10, set.items.size);
  for (const { user, relevant } of sample)
    popular.add(rankCandidates(model, knownUserProfile(model, user), null, 0, 10), relevant);
  const popularityNdcg = popular.result().ndcgAt10;
  let best: Pick<ValidationSummary, 'ranking' | 'rankingNdcgAt10'> = {
    ranking: { ...defaultRanking, popularityOnly: true },
    rankingNdcgAt10: popularityNdcg,
  };
  const modelNdcgAt10: Partial<Record<RankingModelName, number>> = { popularity: popularityNdcg };
  const consider = (name: RankingModelName, ranking: RankingParams, ndcg: number): void => {
    modelNdcgAt10[name] = Math.max(modelNdcgAt10[name] ?? -1, ndcg);
    if (ndcg > best.rankingNdcgAt10!) best = { ranking, rankingNdcgAt10: ndcg };
  };
  powers.forEach((ratingPower, p) => {
    weights.forEach((ratingWeight, w) => {
      consider('cooccurrence', { ratingWeight, ratingPower }, accumulators[p]![w]!.result().ndcgAt10);
    });
  });
  let bestEase = { ndcg: -1, lambda: 0, ratingWeight: 0 };
  ease.forEach(({ lambda }, e) => {
    weights.forEach((ratingWeight, w) => {
      const ndcg = easeAccumulators[e]![w]!.result().ndcgAt10;
      if (ndcg > bestEase.ndcg) bestEase = { ndcg, lambda, ratingWeight };
    });
  });
  if (ease.length > 0) {
    const { ndcg, ratingWeight } = bestEase;
    consider('ease', { ratingWeight, ratingPower: defaultRanking.ratingPower, itemModel: 'ease' }, ndcg);
  }
  if (ials) {
    weights.forEach((ratingWeight, w) => {
      const ranking: RankingParams = { ratingWeight, ratingPower: defaultRanking.ratingPower, itemModel: 'ials' };
      consider('ials', ranking, ialsAccumulators[w]!.result().ndcgAt10);
    });
  }
  return { ...best, modelNdcgAt10, ...(ease.length > 0 ? { easeLambda: bestEase.lambda } : {}) };
}
