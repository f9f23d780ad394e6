// SGD kernels for biased matrix factorization, compiled to WebAssembly with SIMD.
// All arrays live in linear memory; the host passes byte offsets. Factor rows are
// `stride` floats long (a multiple of 4, zero padded), so every row is whole f32x4 lanes.
// f32 arithmetic is IEEE in WebAssembly (no fused multiply-add), so a seeded run
// gives bit-identical parameters on any machine.

@inline function hsum(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3);
}

@inline function dot(a: usize, b: usize, stride: i32): f32 {
  let acc = f32x4.splat(0);
  const end = a + (<usize>stride << 2);
  while (a < end) {
    acc = f32x4.add(acc, f32x4.mul(v128.load(a), v128.load(b)));
    a += 16;
    b += 16;
  }
  return hsum(acc);
}

/**
 * One epoch of plain biased MF over the ratings in `order` (indices into users/items/ratings).
 * Returns the sum of squared training errors seen during the epoch.
 */
export function epochBiasedMF(
  order: usize, count: i32,
  users: usize, items: usize, ratings: usize,
  p: usize, q: usize, bu: usize, bi: usize, stride: i32,
  mean: f32, lrBias: f32, lrFactor: f32, regUserBias: f32, regItemBias: f32, regFactor: f32,
): f64 {
  let sse: f64 = 0;
  const shrink = f32x4.splat(<f32>1 - lrFactor * regFactor);
  const rowBytes = <usize>stride << 2;
  for (let t = 0; t < count; t++) {
    const n = <usize>load<i32>(order + (<usize>t << 2));
    const u = <usize>load<i32>(users + (n << 2));
    const i = <usize>load<i32>(items + (n << 2));
    const r = load<f32>(ratings + (n << 2));
    const pu = p + u * rowBytes;
    const qi = q + i * rowBytes;
    const buPtr = bu + (u << 2);
    const biPtr = bi + (i << 2);
    const bU = load<f32>(buPtr);
    const bI = load<f32>(biPtr);
    const err = r - (mean + bU + bI + dot(pu, qi, stride));
    sse += <f64>err * <f64>err;
    store<f32>(buPtr, bU + lrBias * (err - regUserBias * bU));
    store<f32>(biPtr, bI + lrBias * (err - regItemBias * bI));
    const step = f32x4.splat(lrFactor * err);
    let a = pu;
    let b = qi;
    const end = pu + rowBytes;
    while (a < end) {
      const pv = v128.load(a);
      const qv = v128.load(b);
      v128.store(a, f32x4.add(f32x4.mul(pv, shrink), f32x4.mul(step, qv)));
      v128.store(b, f32x4.add(f32x4.mul(qv, shrink), f32x4.mul(step, pv)));
      a += 16;
      b += 16;
    }
  }
  return sse;
}
