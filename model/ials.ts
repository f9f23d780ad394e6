import { KernelWorkspace } from './kernel/workspace.ts';
import { Random } from './random.ts';
import { groupByRow, type RatingRows } from './training-set.ts';

/**
 * iALS on "who rated what" (Hu, Koren, Volinsky 2008), in the form and with the regularization of
 * Rendle et al., "Revisiting the Performance of iALS on Item Recommendation Benchmarks" (RecSys 2022):
 *   L = Σ_(u,i) rated (w_u·h_i − 1)² + α0 Σ_u Σ_i (w_u·h_i)² + Σ_u λ_u |w_u|² + Σ_i λ_i |h_i|²,
 *   λ_u = λ (|I_u| + α0 |I|)^ν,  λ_i = λ (|U_i| + α0 |U|)^ν.
 * Alternating: each side's rows solve (Σ_rated h hᵀ + α0 HᵀH + λ_u I) w = Σ_rated h, by a few steps
 * of conjugate gradient started from the current row (Takács, Pilászy, Tikk 2011), so an epoch
 * costs O(ratings · k · steps + rows · k² · steps) instead of the exact solve's k³ per row.
 */
export interface IalsParams {
  factors: number;
  epochs: number;
  /** λ. */
  regularization: number;
  /** α0: the weight of every unrated pair, relative to a rated one. */
  unobservedWeight: number;
  /** ν: 0 for a plain ridge, 1 to scale it with each row's ratings. */
  frequencyExponent: number;
  cgSteps: number;
  initStd: number;
  seed: number;
}

/** The best of a small grid on ml-100k (bench/results/ials-rank-*.jsonl): P@10 0.265, NDCG@10 0.362. */
export const defaultIalsParams: IalsParams = {
  factors: 128,
  epochs: 12,
  regularization: 0.02,
  unobservedWeight: 0.2,
  frequencyExponent: 1,
  cgSteps: 3,
  initStd: 0.1,
  seed: 42,
};

export interface IalsModel {
  readonly factors: number;
  /** users x factors, row-major. */
  readonly userFactors: Float32Array;
  /** items x factors, row-major. */
  readonly itemFactors: Float32Array;
}

/** Each side's rated columns, CSR: row r's columns at [offsets[r], offsets[r + 1]). */
interface Side {
  rows: number;
  offsets: Int32Array;
  columns: Int32Array;
}

export function trainIals(
  data: RatingRows,
  params: IalsParams = defaultIalsParams,
  /** Called with each epoch's objective, which costs a pass over the ratings to compute: none without it. */
  onEpoch?: (epoch: number, loss: number) => void,
): IalsModel {
  const users = data.users.size;
  const items = data.items.size;
  const ones = new Float32Array(data.length);
  const byUser = groupByRow(data.userIndex, data.itemIndex, ones, users);
  const byItem = groupByRow(data.itemIndex, data.userIndex, ones, items);
  const userSide: Side = { rows: users, offsets: byUser.offsets, columns: byUser.columns };
  const itemSide: Side = { rows: items, offsets: byItem.offsets, columns: byItem.columns };
  const model = initialFactors(users, items, params);
  for (let epoch = 1; epoch <= params.epochs; epoch++) {
    solveSide(userSide, model.userFactors, model.itemFactors, items, params);
    solveSide(itemSide, model.itemFactors, model.userFactors, users, params);
    onEpoch?.(epoch, ialsLoss(data, model, params));
  }
  return model;
}

/** Both sides' factors drawn from N(0, initStd²), users first, from the seed. */
function initialFactors(users: number, items: number, params: IalsParams): IalsModel {
  const k = params.factors;
  const random = new Random(params.seed);
  const init = (n: number) => Float32Array.from({ length: n * k }, () => random.normal() * params.initStd);
  return { factors: k, userFactors: init(users), itemFactors: init(items) };
}

/**
 * trainIals with each half-epoch in the WebAssembly SIMD kernel (kernel/ials.ts), in f32: the
 * same start and the same steps, so the factors match the reference to f32 rounding.
 * `factors` must be a multiple of 4 (whole f32x4 lanes).
 */
export function trainIalsOnKernel(data: RatingRows, params: IalsParams): IalsModel {
  const k = params.factors;
  if (k % 4 !== 0) throw new Error(`the iALS kernel needs factors a multiple of 4, got ${k}`);
  const users = data.users.size;
  const items = data.items.size;
  const ones = new Float32Array(data.length);
  const byUser = groupByRow(data.userIndex, data.itemIndex, ones, users);
  const byItem = groupByRow(data.itemIndex, data.userIndex, ones, items);
  const ws = new KernelWorkspace(
    {
      userOffsets: ['i32', users + 1],
      userColumns: ['i32', data.length],
      itemOffsets: ['i32', items + 1],
      itemColumns: ['i32', data.length],
      userFactors: ['f32', users * k],
      itemFactors: ['f32', items * k],
      gramian: ['f32', k * k],
      scratch: ['f32', 4 * k],
    },
    'ials',
  );
  const { views: v, offsets: o } = ws;
  v.userOffsets.set(byUser.offsets);
  v.userColumns.set(byUser.columns);
  v.itemOffsets.set(byItem.offsets);
  v.itemColumns.set(byItem.columns);
  const start = initialFactors(users, items, params);
  v.userFactors.set(start.userFactors);
  v.itemFactors.set(start.itemFactors);
  const { unobservedWeight: alpha, regularization, frequencyExponent, cgSteps } = params;
  for (let epoch = 1; epoch <= params.epochs; epoch++) {
    v.gramian.set(gramian(v.itemFactors, k));
    ws.exports.solveSide(
      o.userOffsets,
      o.userColumns,
      users,
      o.userFactors,
      o.itemFactors,
      o.gramian,
      k,
      alpha,
      regularization,
      frequencyExponent,
      items,
      cgSteps,
      o.scratch,
    );
    v.gramian.set(gramian(v.userFactors, k));
    ws.exports.solveSide(
      o.itemOffsets,
      o.itemColumns,
      items,
      o.itemFactors,
      o.userFactors,
      o.gramian,
      k,
      alpha,
      regularization,
      frequencyExponent,
      users,
      cgSteps,
      o.scratch,
    );
  }
  return { factors: k, userFactors: v.userFactors.slice(), itemFactors: v.itemFactors.slice() };
}

/** k x k Gramian Σ_j v_j v_jᵀ of a side's factors (rows of k). */
export function gramian(factors: Float32Array, k: number): Float64Array {
  const g = new Float64Array(k * k);
  for (let base = 0; base < factors.length; base += k) {
    for (let a = 0; a < k; a++) {
      const va = factors[base + a]!;
      if (va === 0) continue;
      for (let b = a; b < k; b++) g[a * k + b]! += va * factors[base + b]!;
    }
  }
  for (let a = 0; a < k; a++) for (let b = 0; b < a; b++) g[a * k + b] = g[b * k + a]!;
  return g;
}

/** One half-epoch: every row of `own` by conjugate gradient against the fixed `other` side. */
function solveSide(side: Side, own: Float32Array, other: Float32Array, otherCount: number, params: IalsParams): void {
  const k = params.factors;
  const alpha = params.unobservedWeight;
  const g = gramian(other, k);
  const x = new Float64Array(k);
  const r = new Float64Array(k);
  const p = new Float64Array(k);
  const ap = new Float64Array(k);
  /** out = (Σ_rated v vᵀ + α0 G + λ_row I) v_in. */
  const multiply = (start: number, end: number, lambda: number, input: Float64Array, out: Float64Array): void => {
    for (let a = 0; a < k; a++) {
      let sum = 0;
      for (let b = 0; b < k; b++) sum += g[a * k + b]! * input[b]!;
      out[a] = alpha * sum + lambda * input[a]!;
    }
    for (let e = start; e < end; e++) {
      const base = side.columns[e]! * k;
      let dot = 0;
      for (let a = 0; a < k; a++) dot += other[base + a]! * input[a]!;
      for (let a = 0; a < k; a++) out[a]! += dot * other[base + a]!;
    }
  };
  for (let row = 0; row < side.rows; row++) {
    const start = side.offsets[row]!;
    const end = side.offsets[row + 1]!;
    const lambda = params.regularization * (end - start + alpha * otherCount) ** params.frequencyExponent;
    const base = row * k;
    for (let a = 0; a < k; a++) x[a] = own[base + a]!;
    // r = b - A x, with b = Σ_rated v
    multiply(start, end, lambda, x, ap);
    for (let a = 0; a < k; a++) r[a] = -ap[a]!;
    for (let e = start; e < end; e++) {
      const vb = side.columns[e]! * k;
      for (let a = 0; a < k; a++) r[a]! += other[vb + a]!;
    }
    p.set(r);
    let rr = 0;
    for (let a = 0; a < k; a++) rr += r[a]! * r[a]!;
    for (let step = 0; step < params.cgSteps && rr > 1e-20; step++) {
      multiply(start, end, lambda, p, ap);
      let pap = 0;
      for (let a = 0; a < k; a++) pap += p[a]! * ap[a]!;
      const stepSize = rr / pap;
      let next = 0;
      for (let a = 0; a < k; a++) {
        x[a]! += stepSize * p[a]!;
        r[a]! -= stepSize * ap[a]!;
        next += r[a]! * r[a]!;
      }
      const beta = next / rr;
      rr = next;
      for (let a = 0; a < k; a++) p[a] = r[a]! + beta * p[a]!;
    }
    for (let a = 0; a < k; a++) own[base + a] = x[a]!;
  }
}

/** The objective L above (Σ_u Σ_i (w_u·h_i)² as Σ_u w_uᵀ HᵀH w_u). */
export function ialsLoss(data: RatingRows, model: IalsModel, params: IalsParams): number {
  const k = model.factors;
  const { userFactors: w, itemFactors: h } = model;
  const users = data.users.size;
  const items = data.items.size;
  const alpha = params.unobservedWeight;
  const userCounts = new Int32Array(users);
  for (let e = 0; e < data.length; e++) userCounts[data.userIndex[e]!]!++;
  let loss = 0;
  for (let e = 0; e < data.length; e++) {
    const u = data.userIndex[e]! * k;
    const i = data.itemIndex[e]! * k;
    let dot = 0;
    for (let a = 0; a < k; a++) dot += w[u + a]! * h[i + a]!;
    loss += (dot - 1) ** 2;
  }
  const g = gramian(h, k);
  const ridge = (factors: Float32Array, row: number, scale: number): number => {
    let sum = 0;
    for (let a = 0; a < k; a++) sum += factors[row * k + a]! ** 2;
    return params.regularization * scale ** params.frequencyExponent * sum;
  };
  for (let u = 0; u < users; u++) {
    let quadratic = 0;
    for (let a = 0; a < k; a++) {
      let sum = 0;
      for (let b = 0; b < k; b++) sum += g[a * k + b]! * w[u * k + b]!;
      quadratic += w[u * k + a]! * sum;
    }
    loss += alpha * quadratic + ridge(w, u, userCounts[u]! + alpha * items);
  }
  for (let i = 0; i < items; i++) loss += ridge(h, i, data.itemCounts[i]! + alpha * users);
  return loss;
}
