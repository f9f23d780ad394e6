import { KernelWorkspace } from './kernel/workspace.ts';
import { roundUpToLanes, type FactorModel } from './factor-model.ts';
import { Random } from './random.ts';
import { groupByRow, type TrainingSet } from './training-set.ts';

export interface FactorParams {
  factors: number;
  /** Epochs to train; with early stopping, the most to try. */
  epochs: number;
  learningRate: number;
  biasLearningRate: number;
  /** The learning rates are multiplied by this after every epoch. */
  learningRateDecay: number;
  regFactor: number;
  regUserBias: number;
  regItemBias: number;
  /** Regularization of the implicit-feedback factors y_j. */
  regImplicit: number;
  /** Learn from which movies a user rated too (SVD++), not only from the values. */
  implicit: boolean;
  initStd: number;
  /** Epochs without a better validation RMSE before early stopping ends a run. */
  patience: number;
}

export interface EpochReport {
  epoch: number;
  phase: 'fit' | 'refit';
  trainRmse: number;
  validationRmse?: number;
  learningRate: number;
  seconds: number;
}

export interface FactorRunOptions {
  seed: number;
  /** Training rows of the set (default: all). */
  rows?: Int32Array;
  /** Held-out rows whose RMSE is reported after every epoch. */
  validation?: Int32Array;
  /** Keep the best epoch on `validation` and stop after `patience` worse ones. */
  earlyStopping?: boolean;
  /** Overrides params.epochs (a refit trains for the epoch count a search chose). */
  epochs?: number;
  phase?: EpochReport['phase'];
  onEpoch?: (report: EpochReport) => void;
  /** Asked after every epoch: true ends training there (the model keeps the best epoch so far). */
  stopAfter?: (report: EpochReport) => boolean;
}

export interface FactorTraining {
  model: FactorModel;
  epochs: EpochReport[];
  /** The epoch whose parameters the model holds. */
  bestEpoch: number;
  bestValidationRmse?: number;
  updates: number;
  seconds: number;
}

/**
 * Trains biased MF (optionally SVD++) by SGD in the WebAssembly kernel, single threaded, so that
 * the same seed gives bit-identical factors. Shuffling and bookkeeping stay in TypeScript.
 */
export function trainFactors(set: TrainingSet, params: FactorParams, options: FactorRunOptions): FactorTraining {
  validateParams(params);
  const started = performance.now();
  const rows = options.rows ?? Int32Array.from({ length: set.length }, (_, k) => k);
  const epochs = options.epochs ?? params.epochs;
  const reports: EpochReport[] = [];
  const run = runEpochs(
    set,
    rows,
    options.validation,
    options.earlyStopping ?? false,
    params,
    epochs,
    new Random(options.seed),
    options.phase ?? 'fit',
    reports,
    options.onEpoch ?? (() => {}),
    options.stopAfter ?? (() => false),
  );
  return { ...run, epochs: reports, seconds: (performance.now() - started) / 1000 };
}

function validateParams(params: FactorParams): void {
  const positive: (keyof FactorParams)[] = [
    'factors',
    'epochs',
    'learningRate',
    'biasLearningRate',
    'learningRateDecay',
    'initStd',
  ];
  for (const key of positive) {
    const value = params[key];
    if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value)) {
      throw new RangeError(`${key} must be a positive number, got ${String(value)}`);
    }
  }
  if (!Number.isInteger(params.factors) || !Number.isInteger(params.epochs)) {
    throw new RangeError('factors and epochs must be integers');
  }
  for (const key of ['regFactor', 'regUserBias', 'regItemBias', 'regImplicit'] as const) {
    if (!(params[key] >= 0)) throw new RangeError(`${key} must be >= 0, got ${params[key]}`);
  }
}

interface EpochRun {
  model: FactorModel;
  bestEpoch: number;
  bestValidationRmse?: number;
  updates: number;
}

/**
 * Trains on the ratings at `rows` for up to `maxEpochs`. With `validation` rows it keeps the
 * parameters of the epoch with the lowest validation RMSE and stops after `patience` worse epochs.
 */
function runEpochs(
  set: TrainingSet,
  rows: Int32Array,
  validation: Int32Array | undefined,
  earlyStopping: boolean,
  params: FactorParams,
  maxEpochs: number,
  random: Random,
  phase: EpochReport['phase'],
  reports: EpochReport[],
  onEpoch: (report: EpochReport) => void,
  stopAfter: (report: EpochReport) => boolean,
): EpochRun {
  const userCount = set.users.size;
  const itemCount = set.items.size;
  const stride = roundUpToLanes(params.factors);
  const n = rows.length;
  const heldOut = validation?.length ?? 0;
  const ws = new KernelWorkspace({
    order: ['i32', userCount],
    offsets: ['i32', userCount + 1],
    items: ['i32', n],
    ratings: ['f32', n],
    evalOffsets: ['i32', userCount + 1],
    evalItems: ['i32', heldOut],
    evalRatings: ['f32', heldOut],
    p: ['f32', userCount * stride],
    q: ['f32', itemCount * stride],
    y: ['f32', params.implicit ? itemCount * stride : 0],
    bu: ['f32', userCount],
    bi: ['f32', itemCount],
    z: ['f32', stride],
    g: ['f32', stride],
  });
  const v = ws.views;
  const o = ws.offsets;
  copyByUser(set, rows, v.offsets, v.items, v.ratings);
  if (validation) copyByUser(set, validation, v.evalOffsets, v.evalItems, v.evalRatings);
  let mean = 0;
  for (let k = 0; k < n; k++) mean += v.ratings[k]!;
  mean /= n;
  for (let u = 0; u < userCount; u++) v.order[u] = u;

  initFactors(v.p, userCount, params.factors, stride, params.initStd, random);
  initFactors(v.q, itemCount, params.factors, stride, params.initStd, random);
  if (params.implicit) initFactors(v.y, itemCount, params.factors, stride, params.initStd, random);

  const trained = [v.p, v.q, v.y, v.bu, v.bi];
  let best: Float32Array[] | undefined;
  let bestRmse = Infinity;
  let bestEpoch = maxEpochs;
  let lrFactor = params.learningRate;
  let lrBias = params.biasLearningRate;
  let updates = 0;

  for (let epoch = 1; epoch <= maxEpochs; epoch++) {
    const epochStart = performance.now();
    random.shuffle(v.order);
    shuffleWithinRows(v.offsets, v.items, v.ratings, random);
    const sse = ws.exports.epoch(
      o.order,
      userCount,
      o.offsets,
      o.items,
      o.ratings,
      o.p,
      o.q,
      o.y,
      o.bu,
      o.bi,
      stride,
      o.z,
      o.g,
      params.implicit,
      mean,
      lrBias,
      lrFactor,
      params.regUserBias,
      params.regItemBias,
      params.regFactor,
      params.regImplicit,
    );
    updates += n;
    const report: EpochReport = { epoch, phase, trainRmse: Math.sqrt(sse / n), learningRate: lrFactor, seconds: 0 };
    lrFactor *= params.learningRateDecay;
    lrBias *= params.learningRateDecay;
    if (validation) {
      const heldSse = ws.exports.heldOutSse(
        userCount,
        o.offsets,
        o.items,
        o.evalOffsets,
        o.evalItems,
        o.evalRatings,
        o.p,
        o.q,
        o.y,
        o.bu,
        o.bi,
        stride,
        o.z,
        params.implicit,
        mean,
      );
      report.validationRmse = Math.sqrt(heldSse / heldOut);
    }
    report.seconds = (performance.now() - epochStart) / 1000;
    reports.push(report);
    onEpoch(report);
    if (earlyStopping && report.validationRmse !== undefined) {
      if (report.validationRmse < bestRmse) {
        bestRmse = report.validationRmse;
        bestEpoch = epoch;
        best = trained.map((array) => array.slice());
      } else if (epoch - bestEpoch >= params.patience) {
        break;
      }
    } else if (report.validationRmse !== undefined) {
      bestRmse = report.validationRmse;
    }
    if (stopAfter(report)) {
      if (!best) bestEpoch = epoch;
      break;
    }
  }
  if (best) {
    for (const [k, array] of trained.entries()) array.set(best[k]!);
  }
  if (params.implicit) ws.exports.foldImplicit(userCount, o.offsets, o.items, o.p, o.y, stride, o.z);
  const model: FactorModel = {
    factors: params.factors,
    stride,
    mean,
    users: set.users,
    items: set.items,
    userBias: v.bu.slice(),
    itemBias: v.bi.slice(),
    userFactors: v.p.slice(),
    itemFactors: v.q.slice(),
  };
  return { model, bestEpoch, updates, ...(validation ? { bestValidationRmse: bestRmse } : {}) };
}

/** Groups the rows by user into kernel memory; the temporary copies die with this call. */
function copyByUser(
  set: TrainingSet,
  rows: Int32Array,
  offsets: Int32Array,
  items: Int32Array,
  ratings: Float32Array,
): void {
  const grouped = gatherByUser(set, rows);
  offsets.set(grouped.offsets);
  items.set(grouped.columns);
  ratings.set(grouped.columnValues);
}

function gatherByUser(set: TrainingSet, rows: Int32Array): ReturnType<typeof groupByRow> {
  const users = new Int32Array(rows.length);
  const items = new Int32Array(rows.length);
  const values = new Float32Array(rows.length);
  for (let k = 0; k < rows.length; k++) {
    const row = rows[k]!;
    users[k] = set.userIndex[row]!;
    items[k] = set.itemIndex[row]!;
    values[k] = set.values[row]!;
  }
  return groupByRow(users, items, values, set.users.size);
}

function initFactors(
  target: Float32Array,
  rows: number,
  factors: number,
  stride: number,
  std: number,
  random: Random,
): void {
  for (let r = 0; r < rows; r++) {
    const base = r * stride;
    for (let f = 0; f < factors; f++) target[base + f] = random.normal() * std;
  }
}

function shuffleWithinRows(offsets: Int32Array, items: Int32Array, values: Float32Array, random: Random): void {
  for (let r = 0; r + 1 < offsets.length; r++) {
    const from = offsets[r]!;
    for (let i = offsets[r + 1]! - 1; i > from; i--) {
      const j = from + random.int(i - from + 1);
      const item = items[i]!;
      items[i] = items[j]!;
      items[j] = item;
      const value = values[i]!;
      values[i] = values[j]!;
      values[j] = value;
    }
  }
}
