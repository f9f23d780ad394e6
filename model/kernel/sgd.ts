// SGD kernels for biased matrix factorization (optionally SVD++), compiled to WebAssembly SIMD.
// All arrays live in linear memory; the host passes byte offsets. Factor rows are `stride`
// floats (a multiple of 4, zero padded) so every row is whole f32x4 lanes; padding stays zero
// because its gradient is zero. f32 arithmetic is IEEE in WebAssembly (no fused multiply-add),
// so a seeded single-threaded run gives bit-identical parameters on any machine.
//
// Ratings are visited grouped by user (users in a shuffled order, each user's ratings shuffled
// by the host): the user's row stays in L1 while the item rows stream past, which measured
// about 4x faster than a global random order whose every update missed cache twice.

@inline function hsum(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3);
}

@inline function clear(row: usize, rowBytes: usize): void {
  for (let a = row, end = row + rowBytes; a < end; a += 16) v128.store(a, f32x4.splat(0));
}

/** z = |N(u)|^-1/2 * sum of y_j over items[start, end): the implicit part of a user's factor. */
@inline function implicitSumOf(z: usize, y: usize, items: usize, start: usize, end: usize, rowBytes: usize): void {
  clear(z, rowBytes);
  const zEnd = z + rowBytes;
  for (let k = start; k < end; k++) {
    const yj = y + <usize>load<i32>(items + (k << 2)) * rowBytes;
    for (let a = z, b = yj; a < zEnd; a += 16, b += 16) v128.store(a, f32x4.add(v128.load(a), v128.load(b)));
  }
  const norm = f32x4.splat(<f32>(1.0 / Math.sqrt(<f64>(end - start))));
  for (let a = z; a < zEnd; a += 16) v128.store(a, f32x4.mul(v128.load(a), norm));
}

/**
 * One epoch over the ratings grouped by user (CSR: offsets, items, ratings). With `implicit`
 * the user's effective factor is p_u + z_u; z_u is computed once per user and the y_j gradients
 * are accumulated and applied after the user's ratings, which makes SVD++ cost about twice
 * plain MF instead of |N(u)| times it. Returns the sum of squared training errors.
 */
export function epoch(
  userOrder: usize, userCount: i32,
  offsets: usize, items: usize, ratings: usize,
  p: usize, q: usize, y: usize, bu: usize, bi: usize, stride: i32,
  z: usize, g: usize, implicit: bool,
  mean: f32, lrBias: f32, lrFactor: f32, regUserBias: f32, regItemBias: f32, regFactor: f32,
  regImplicit: f32,
): f64 {
  let sse: f64 = 0;
  const shrink = f32x4.splat(<f32>1 - lrFactor * regFactor);
  const shrinkY = f32x4.splat(<f32>1 - lrFactor * regImplicit);
  const rowBytes = <usize>stride << 2;
  const zEnd = z + rowBytes;
  clear(z, rowBytes);
  for (let t = 0; t < userCount; t++) {
    const u = <usize>load<i32>(userOrder + (<usize>t << 2));
    const start = <usize>load<i32>(offsets + (u << 2));
    const end = <usize>load<i32>(offsets + ((u + 1) << 2));
    if (end == start) continue;
    if (implicit) {
      implicitSumOf(z, y, items, start, end, rowBytes);
      clear(g, rowBytes);
    }
    const pu = p + u * rowBytes;
    const buPtr = bu + (u << 2);
    for (let k = start; k < end; k++) {
      const i = <usize>load<i32>(items + (k << 2));
      const r = load<f32>(ratings + (k << 2));
      const qi = q + i * rowBytes;
      const biPtr = bi + (i << 2);
      let acc = f32x4.splat(0);
      if (implicit) {
        for (let a = pu, b = qi, c = z; c < zEnd; a += 16, b += 16, c += 16) {
          acc = f32x4.add(acc, f32x4.mul(f32x4.add(v128.load(a), v128.load(c)), v128.load(b)));
        }
      } else {
        for (let a = pu, b = qi; b < qi + rowBytes; a += 16, b += 16) {
          acc = f32x4.add(acc, f32x4.mul(v128.load(a), v128.load(b)));
        }
      }
      const bU = load<f32>(buPtr);
      const bI = load<f32>(biPtr);
      const err = r - (mean + bU + bI + hsum(acc));
      sse += <f64>err * <f64>err;
      store<f32>(buPtr, bU + lrBias * (err - regUserBias * bU));
      store<f32>(biPtr, bI + lrBias * (err - regItemBias * bI));
      const step = f32x4.splat(lrFactor * err);
      if (implicit) {
        const verr = f32x4.splat(err);
        for (let a = pu, b = qi, c = z, d = g; c < zEnd; a += 16, b += 16, c += 16, d += 16) {
          const pv = v128.load(a);
          const qv = v128.load(b);
          v128.store(d, f32x4.add(v128.load(d), f32x4.mul(verr, qv)));
          v128.store(a, f32x4.add(f32x4.mul(pv, shrink), f32x4.mul(step, qv)));
          v128.store(b, f32x4.add(f32x4.mul(qv, shrink), f32x4.mul(step, f32x4.add(pv, v128.load(c)))));
        }
      } else {
        for (let a = pu, b = qi; a < pu + rowBytes; a += 16, b += 16) {
          const pv = v128.load(a);
          const qv = v128.load(b);
          v128.store(a, f32x4.add(f32x4.mul(pv, shrink), f32x4.mul(step, qv)));
          v128.store(b, f32x4.add(f32x4.mul(qv, shrink), f32x4.mul(step, pv)));
        }
      }
    }
    if (implicit) {
      const ystep = f32x4.splat(lrFactor * <f32>(1.0 / Math.sqrt(<f64>(end - start))));
      for (let k = start; k < end; k++) {
        const yj = y + <usize>load<i32>(items + (k << 2)) * rowBytes;
        for (let a = yj, d = g; d < g + rowBytes; a += 16, d += 16) {
          v128.store(a, f32x4.add(f32x4.mul(v128.load(a), shrinkY), f32x4.mul(ystep, v128.load(d))));
        }
      }
    }
  }
  return sse;
}

/**
 * Sum of squared errors of clipped predictions for held-out ratings grouped by user
 * (evalOffsets/evalItems/evalRatings). The implicit sums come from the training groups.
 */
export function heldOutSse(
  userCount: i32,
  offsets: usize, items: usize,
  evalOffsets: usize, evalItems: usize, evalRatings: usize,
  p: usize, q: usize, y: usize, bu: usize, bi: usize, stride: i32,
  z: usize, implicit: bool, mean: f32,
): f64 {
  let sse: f64 = 0;
  const rowBytes = <usize>stride << 2;
  const zEnd = z + rowBytes;
  clear(z, rowBytes);
  for (let u: usize = 0; u < <usize>userCount; u++) {
    const evalStart = <usize>load<i32>(evalOffsets + (u << 2));
    const evalEnd = <usize>load<i32>(evalOffsets + ((u + 1) << 2));
    if (evalEnd == evalStart) continue;
    const start = <usize>load<i32>(offsets + (u << 2));
    const end = <usize>load<i32>(offsets + ((u + 1) << 2));
    if (implicit) {
      if (end > start) implicitSumOf(z, y, items, start, end, rowBytes);
      else clear(z, rowBytes);
    }
    const pu = p + u * rowBytes;
    const bU = load<f32>(bu + (u << 2));
    for (let k = evalStart; k < evalEnd; k++) {
      const i = <usize>load<i32>(evalItems + (k << 2));
      const qi = q + i * rowBytes;
      let acc = f32x4.splat(0);
      for (let a = pu, b = qi, c = z; c < zEnd; a += 16, b += 16, c += 16) {
        acc = f32x4.add(acc, f32x4.mul(f32x4.add(v128.load(a), v128.load(c)), v128.load(b)));
      }
      let pred: f32 = mean + bU + load<f32>(bi + (i << 2)) + hsum(acc);
      pred = pred < <f32>0.5 ? <f32>0.5 : pred > <f32>5 ? <f32>5 : pred;
      const err = <f64>(load<f32>(evalRatings + (k << 2)) - pred);
      sse += err * err;
    }
  }
  return sse;
}

/** p_u += z_u for every user: after training, SVD++ serves as plain biased MF. */
export function foldImplicit(
  userCount: i32, offsets: usize, items: usize, p: usize, y: usize, stride: i32, z: usize,
): void {
  const rowBytes = <usize>stride << 2;
  for (let u: usize = 0; u < <usize>userCount; u++) {
    const start = <usize>load<i32>(offsets + (u << 2));
    const end = <usize>load<i32>(offsets + ((u + 1) << 2));
    if (end == start) continue;
    implicitSumOf(z, y, items, start, end, rowBytes);
    for (let a = p + u * rowBytes, c = z; c < z + rowBytes; a += 16, c += 16) {
      v128.store(a, f32x4.add(v128.load(a), v128.load(c)));
    }
  }
}
