/**
 * The obvious TypeScript version of kernel/sgd.ts `epoch`, one scalar at a time: the reference
 * the SIMD kernel is tested against. Same visiting order, same update rules.
 */
export interface ReferenceState {
  stride: number;
  p: Float32Array;
  q: Float32Array;
  y: Float32Array;
  bu: Float32Array;
  bi: Float32Array;
}

export interface ReferenceRates {
  mean: number;
  lrBias: number;
  lrFactor: number;
  regUserBias: number;
  regItemBias: number;
  regFactor: number;
  regImplicit: number;
}

export function referenceEpoch(
  s: ReferenceState,
  userOrder: Int32Array,
  offsets: Int32Array,
  items: Int32Array,
  ratings: Float32Array,
  implicit: boolean,
  r: ReferenceRates,
): number {
  const { stride, p, q, y, bu, bi } = s;
  const z = new Float64Array(stride);
  const g = new Float64Array(stride);
  let sse = 0;
  for (const u of userOrder) {
    const start = offsets[u]!;
    const end = offsets[u + 1]!;
    if (end === start) continue;
    const norm = 1 / Math.sqrt(end - start);
    z.fill(0);
    g.fill(0);
    if (implicit) {
      for (let k = start; k < end; k++) for (let f = 0; f < stride; f++) z[f]! += y[items[k]! * stride + f]!;
      for (let f = 0; f < stride; f++) z[f]! *= norm;
    }
    for (let k = start; k < end; k++) {
      const i = items[k]!;
      let dot = 0;
      for (let f = 0; f < stride; f++) dot += (p[u * stride + f]! + z[f]!) * q[i * stride + f]!;
      const err = ratings[k]! - (r.mean + bu[u]! + bi[i]! + dot);
      sse += err * err;
      bu[u] = bu[u]! + r.lrBias * (err - r.regUserBias * bu[u]!);
      bi[i] = bi[i]! + r.lrBias * (err - r.regItemBias * bi[i]!);
      for (let f = 0; f < stride; f++) {
        const pf = p[u * stride + f]!;
        const qf = q[i * stride + f]!;
        g[f]! += err * qf;
        p[u * stride + f] = pf + r.lrFactor * (err * qf - r.regFactor * pf);
        q[i * stride + f] = qf + r.lrFactor * (err * (pf + z[f]!) - r.regFactor * qf);
      }
    }
    if (implicit) {
      for (let k = start; k < end; k++) {
        const j = items[k]!;
        for (let f = 0; f < stride; f++) {
          const yf = y[j * stride + f]!;
          y[j * stride + f] = yf + r.lrFactor * (norm * g[f]! - r.regImplicit * yf);
        }
      }
    }
  }
  return sse;
}
