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
import { NeighborThread, type CooccurrenceScores, type PendingNeighborFit } from './neighbor-thread.ts';
import {
  neighborFitCost,
  fitItemNeighbors,
  defaultNeighborParams,
  type ItemNeighbors,
  type NeighborParams,
  neighborScores,
} from './neighbors.ts';
import { Random } from './random.ts';
import {
  chooseRanking,
  cooccurrenceNdcg,
  easeNdcg,
  ialsNdcg,
  popularityNdcg,
  rankingSample,
  type RankingChoice,
  type RankingSample,
} from './ranking-choice.ts';
import type { Ratings } from './ratings.ts';
import {
  factorScore,
  knownUserProfile,
  noBlend,
  prepareProfile,
  type RankingModelName,
  type RankingParams,
  type RatingBlend,
  type Recommender,
} from './recommender.ts';
import { buildSimilarLists, IALS_SIMILAR_SUPPORT } from './similar.ts';
import { trainFactors, type EpochReport, type FactorParams, type FactorTraining } from './train-factors.ts';
import { buildTrainingSet, ratingTables, subsetRows, type RatingTables, type TrainingSet } from './training-set.ts';
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
  const threadWanted = useNeighbors && neighborFitCost(set) >= config.neighborThreadMinPairs;
  // started now, the first fit's thread boots while this one splits the ratings
  let earlyThread = threadWanted ? new NeighborThread() : null;
  const pendingFits: PendingNeighborFit[] = [];
  /** Factors on this thread, neighbours beside them (on the rows `fit`, null: all): one stage event each. */
  const fitBoth = async (
    stagePrefix: string,
    fit: Int32Array | null,
    factors: () => FactorTraining,
    sample: RankingSample | null,
  ) => {
    const thread = earlyThread ?? (threadWanted ? new NeighborThread() : null);
    earlyThread = null;
    const pending = useNeighbors ? startNeighborFit(set, fit, config, easeParams, ialsParams, sample, thread) : null;
    if (pending) pendingFits.push(pending);
    const factorRun = stage(`${stagePrefix}-factors`, factors);
    if (!pending) {
      const tables = ratingTables(fit ? subsetRows(set, fit) : set, config.popularityMinRatings);
      return { factorRun, neighbors: null, ease: [], ials: null, tables, pending };
    }
    const waitStart = performance.now();
    const { neighbors, ease, ials, tables, seconds, easeSeconds, ialsSeconds, thread: on } = await pending.result;
    record(`${stagePrefix}-neighbors`, seconds, { thread: on, waitedSeconds: (performance.now() - waitStart) / 1000 });
    if (easeParams) record(`${stagePrefix}-ease`, easeSeconds, { thread: on, items: ease[0]?.items.length ?? 0 });
    if (ialsParams) record(`${stagePrefix}-ials`, ialsSeconds, { thread: on, factors: ials?.factors });
    return { factorRun, neighbors, ease, ials, tables, pending };
  };

  let chosenEpochs = config.factors.epochs;
  let blend: RatingBlend = noBlend;
  let ranking = defaultRanking;
  let validation: ValidationSummary | undefined;
  /** The served model's rating tables, when the neighbour thread drew them (beside the validation). */
  let servedTables: RatingTables | undefined;
  /** The models fitted beside the validation slice: served as they are unless config.refit. */
  let fitted:
    | { factors: Recommender['factors']; neighbors: ItemNeighbors | null; ease: EaseModel[]; ials: IalsRanking | null }
    | undefined;

  try {
    if (config.validationFraction > 0) {
      const { fit, held } = splitRows(set.length, config.validationFraction, config.seed);
      const sample = useNeighbors ? rankingSample(set, held, config.rankingValidationUsers, config.seed + 3) : null;
      const { factorRun, neighbors, ease, ials, tables, pending } = await fitBoth(
        'fit',
        fit,
        () =>
          trainFactors(set, config.factors, {
            seed: config.seed + 1,
            rows: fit,
            validation: held,
            earlyStopping: config.earlyStopping,
            onEpoch,
            ...(stopFit ? { stopAfter: stopFit } : {}),
          }),
        sample,
      );
      if (config.earlyStopping) chosenEpochs = factorRun.bestEpoch;
      fitted = { factors: factorRun.model, neighbors, ease, ials };
      const fitModel = assemble(tables, factorRun.model, neighbors, null, null, noBlend, defaultRanking);
      const validateStart = performance.now();
      const cooccurrence = pending && sample && neighbors ? pending.scoreCooccurrence(fitModel) : null;
      cooccurrence?.catch(() => {});
      const scoring = cooccurrence && sample ? { cooccurrence, sample } : null;
      validation = await chooseOnValidation(fitModel, ease, ials, set, held, config, scoring, record);
      record('validate', (performance.now() - validateStart) / 1000, { ...validation });
      if (scoring && pending) servedTables = await pending.allTables();
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
      const tables = servedTables ?? ratingTables(set, config.popularityMinRatings);
      model = withSimilarLists(
        set,
        assemble(tables, fitted.factors, fitted.neighbors, keptEase(fitted.ease), ials, blend, ranking),
      );
    } else {
      easeParams = easeParams && easeLambda !== undefined ? { ...easeParams, lambdas: [easeLambda] } : null;
      ialsParams = ialsRanks ? ialsParams : null;
      const { factorRun, neighbors, ease, ials, tables } = await fitBoth(
        'refit',
        null,
        () =>
          trainFactors(set, config.factors, { seed: config.seed + 2, epochs: chosenEpochs, phase: 'refit', onEpoch }),
        null,
      );
      model = withSimilarLists(set, assemble(tables, factorRun.model, neighbors, keptEase(ease), ials, blend, ranking));
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
  } finally {
    // a thread whose results went unused (a failed fit, no slice to score) is stopped; one that is done has ended
    earlyThread?.cancel();
    for (const pending of pendingFits) pending.cancel();
  }
}

/**
 * The neighbour, EASE and iALS fits on the rows `fit` of the set (null: all), on `thread` when there
 * is one; with a ranking sample, the co-occurrence ranking is scored where the lists were fitted.
 */
function startNeighborFit(
  set: TrainingSet,
  fit: Int32Array | null,
  config: TrainConfig,
  ease: EaseParams | null,
  ials: IalsRankingParams | null,
  sample: RankingSample | null,
  thread: NeighborThread | null,
): PendingNeighborFit {
  const grid = config.rankingGrid;
  const { popularityMinRatings } = config;
  const ranking = sample ? { sample, grid } : null;
  if (thread)
    return thread.fit({ rows: set, fit, params: config.neighbors, ease, ials, ranking, popularityMinRatings });
  const rows = fit ? subsetRows(set, fit) : set;
  const t0 = performance.now();
  const neighbors = fitItemNeighbors(rows, config.neighbors);
  const t1 = performance.now();
  const easeModels = ease ? fitEase(rows, ease) : [];
  const t2 = performance.now();
  const ialsModel = ials ? fitIalsRanking(rows, ials) : null;
  const ialsSeconds = (performance.now() - t2) / 1000;
  return {
    result: Promise.resolve({
      neighbors,
      ease: easeModels,
      ials: ialsModel,
      tables: ratingTables(rows, popularityMinRatings),
      seconds: (t1 - t0) / 1000,
      easeSeconds: (t2 - t1) / 1000,
      ialsSeconds,
      thread: 'main',
    }),
    scoreCooccurrence: async (model) => {
      if (!sample) throw new Error('the neighbour job had no ranking sample to score');
      const scoringStart = performance.now();
      const ndcg = cooccurrenceNdcg(model, sample, grid);
      return { ndcg, gatherSeconds: 0, seconds: (performance.now() - scoringStart) / 1000 };
    },
    allTables: async () => ratingTables(set, popularityMinRatings),
    cancel: () => {},
  };
}

function splitRows(count: number, fraction: number, seed: number): { fit: Int32Array; held: Int32Array } {
  const rows = new Int32Array(count);
  for (let k = 0; k < count; k++) rows[k] = k;
  new Random(seed).shuffle(rows);
  const heldCount = Math.min(count, Math.max(1, Math.round(count * fraction)));
  // the shuffle's first heldCount rows are held out; both lists ascending, by marking (a sort took 45 ms at ml-1m)
  const isHeld = new Uint8Array(count);
  for (let k = 0; k < heldCount; k++) isHeld[rows[k]!] = 1;
  const held = new Int32Array(heldCount);
  // shared with the neighbour thread, not copied to it
  const fit = new Int32Array(new SharedArrayBuffer(4 * (count - heldCount)));
  let h = 0;
  let f = 0;
  for (let row = 0; row < count; row++) {
    if (isHeld[row]) held[h++] = row;
    else fit[f++] = row;
  }
  return { held, fit };
}

function assemble(
  tables: RatingTables,
  factors: Recommender['factors'],
  neighbors: ItemNeighbors | null,
  ease: EaseModel | null,
  ials: IalsRanking | null,
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
    ...tables,
  };
}

/** The served model's similar lists, from its item-item models (the validation's model needs none). */
function withSimilarLists(set: TrainingSet, model: Recommender): Recommender {
  const { ease, cooccurrence } = model;
  const ials = model.ials ? { ranking: model.ials, itemCounts: set.itemCounts, ...IALS_SIMILAR_SUPPORT } : null;
  return { ...model, similar: buildSimilarLists(model.factors.items.size, { ease, cooccurrence, ials }) };
}

/**
 * Blend weights by least squares and ranking parameters by NDCG@10, both on the held-out rows. With
 * `scoring`, the co-occurrence ranking is being scored where its lists were fitted (on the worker,
 * beside this thread's share), then every model's scores go to chooseRanking.
 */
async function chooseOnValidation(
  model: Recommender,
  ease: EaseModel[],
  ials: IalsRanking | null,
  set: TrainingSet,
  held: Int32Array,
  config: TrainConfig,
  scoring: { cooccurrence: Promise<CooccurrenceScores>; sample: RankingSample } | null,
  record: (name: string, seconds: number, detail?: Record<string, unknown>) => void,
): Promise<ValidationSummary> {
  const n = held.length;
  const actual = new Float64Array(n);
  const factor = new Float64Array(n);
  const neighbor = new Float64Array(n);
  const byUser = new Map<number, number[]>();
  for (let k = 0; k < n; k++) {
    const user = set.userIndex[held[k]!]!;
    getOrInsert(byUser, user, () => []).push(k);
  }
  const scores = new Float64Array(n);
  for (const [user, rows] of byUser) {
    const prepared = prepareProfile(model, knownUserProfile(model, user));
    const items = rows.map((k) => set.itemIndex[held[k]!]!);
    if (model.neighbors) neighborScores(model.neighbors, prepared.profile, prepared.neighborBias, items, scores);
    rows.forEach((k, x) => {
      actual[k] = set.values[held[k]!]!;
      factor[k] = factorScore(model, prepared, items[x]!);
      if (model.neighbors) neighbor[k] = scores[x]!;
    });
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
  if (scoring) {
    const { sample, cooccurrence } = scoring;
    const weights = config.rankingGrid.ratingWeight;
    const scores = {
      popularity: popularityNdcg(model, sample),
      ease: easeNdcg(model, ease, sample, weights),
      ials: ials ? ialsNdcg(model, ials, sample, weights) : null,
    };
    const waitStart = performance.now();
    const { ndcg, seconds, gatherSeconds } = await cooccurrence;
    const waitedSeconds = (performance.now() - waitStart) / 1000;
    record('validate-cooccurrence', gatherSeconds + seconds, { gatherSeconds, waitedSeconds });
    const choice: RankingChoice = chooseRanking({ ...scores, cooccurrence: ndcg }, config.rankingGrid, defaultRanking);
    Object.assign(summary, choice);
  }
  return summary;
}
