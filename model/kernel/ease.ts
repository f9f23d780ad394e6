// The EASE fit, compiled to WebAssembly with SIMD: the item-item Gram matrix of who rated what,
// and the inverse of a symmetric positive definite matrix in place. Matrices are row-major f32
// with `ld` floats a row, ld a multiple of 16 (so that every row is whole groups of four f32x4
// lanes); the caller pads the matrix to ld x ld with an identity block, which inverts to itself.

/**
 * Adds 1 at (p, q) and (q, p) for every pair of positions p, q one user rated (p = q once): the
 * upper triangle pair by pair, then mirrored, which halves the scattered increments.
 */
export function accumulateGram(userOffsets: usize, userItems: usize, userCount: i32, a: usize, ld: i32): void {
  const rowBytes = (<usize>ld) << 2;
  for (let u: usize = 0; u < <usize>userCount; u++) {
    const from = <usize>load<i32>(userOffsets + (u << 2));
    const to = <usize>load<i32>(userOffsets + ((u + 1) << 2));
    for (let x = from; x < to; x++) {
      const p = <usize>load<i32>(userItems + (x << 2));
      for (let y = x; y < to; y++) {
        const q = <usize>load<i32>(userItems + (y << 2));
        const at = a + min(p, q) * rowBytes + (max(p, q) << 2);
        store<f32>(at, load<f32>(at) + 1);
      }
    }
  }
  for (let p: usize = 1; p < <usize>ld; p++)
    for (let q: usize = 0; q < p; q++) store<f32>(a + p * rowBytes + (q << 2), load<f32>(a + q * rowBytes + (p << 2)));
}

/** Scalar Gauss-Jordan inverse of the b x b matrix at d (row stride b floats), in place. */
function invertSmall(d: usize, b: i32): void {
  const n = <usize>b;
  for (let k: usize = 0; k < n; k++) {
    const pivot = <f32>1 / load<f32>(d + ((k * n + k) << 2));
    for (let j: usize = 0; j < n; j++)
      if (j != k) store<f32>(d + ((k * n + j) << 2), load<f32>(d + ((k * n + j) << 2)) * pivot);
    for (let i: usize = 0; i < n; i++) {
      if (i == k) continue;
      const factor = load<f32>(d + ((i * n + k) << 2));
      if (factor == 0) continue;
      for (let j: usize = 0; j < n; j++) {
        if (j == k) continue;
        const at = d + ((i * n + j) << 2);
        store<f32>(at, load<f32>(at) - factor * load<f32>(d + ((k * n + j) << 2)));
      }
      store<f32>(d + ((i * n + k) << 2), -factor * pivot);
    }
    store<f32>(d + ((k * n + k) << 2), pivot);
  }
}

/**
 * a[rows i, i + 1] -= c_i . r and c_(i+1) . r over whole rows, with c the rows' values in the
 * block's columns (saved in `saved` first) and r the b x ld block row: two rows at a time,
 * sixteen columns at a time, so that each load of r serves two rows.
 */
function updateRowPair(a: usize, i: usize, ld: usize, k0: usize, b: usize, r: usize, saved: usize): void {
  const rowBytes = ld << 2;
  const row0 = a + i * rowBytes;
  const row1 = row0 + rowBytes;
  for (let k: usize = 0; k < b; k++) {
    store<f32>(saved + (k << 2), load<f32>(row0 + ((k0 + k) << 2)));
    store<f32>(saved + ((b + k) << 2), load<f32>(row1 + ((k0 + k) << 2)));
  }
  for (let j: usize = 0; j < rowBytes; j += 64) {
    let x0 = v128.load(row0 + j);
    let x1 = v128.load(row0 + j, 16);
    let x2 = v128.load(row0 + j, 32);
    let x3 = v128.load(row0 + j, 48);
    let y0 = v128.load(row1 + j);
    let y1 = v128.load(row1 + j, 16);
    let y2 = v128.load(row1 + j, 32);
    let y3 = v128.load(row1 + j, 48);
    for (let k: usize = 0; k < b; k++) {
      const rk = r + k * rowBytes + j;
      const r0 = v128.load(rk);
      const r1 = v128.load(rk, 16);
      const r2 = v128.load(rk, 32);
      const r3 = v128.load(rk, 48);
      const c = f32x4.splat(load<f32>(saved + (k << 2)));
      const e = f32x4.splat(load<f32>(saved + ((b + k) << 2)));
      x0 = f32x4.sub(x0, f32x4.mul(c, r0));
      x1 = f32x4.sub(x1, f32x4.mul(c, r1));
      x2 = f32x4.sub(x2, f32x4.mul(c, r2));
      x3 = f32x4.sub(x3, f32x4.mul(c, r3));
      y0 = f32x4.sub(y0, f32x4.mul(e, r0));
      y1 = f32x4.sub(y1, f32x4.mul(e, r1));
      y2 = f32x4.sub(y2, f32x4.mul(e, r2));
      y3 = f32x4.sub(y3, f32x4.mul(e, r3));
    }
    v128.store(row0 + j, x0);
    v128.store(row0 + j, x1, 16);
    v128.store(row0 + j, x2, 32);
    v128.store(row0 + j, x3, 48);
    v128.store(row1 + j, y0);
    v128.store(row1 + j, y1, 16);
    v128.store(row1 + j, y2, 32);
    v128.store(row1 + j, y3, 48);
  }
}

/**
 * Inverts the ld x ld matrix at a in place by blocked Gauss-Jordan elimination without pivoting
 * (safe for a symmetric positive definite matrix). For each block K of `block` pivots:
 * D = a[K,K]; R = D^-1 a[K,:]; a[I,:] -= a[I,K] R for the other rows I; then a[I,K] = -a[I,K] D^-1,
 * a[K,:] = R and a[K,K] = D^-1. Scratch: r (block x ld floats), d (block^2), saved (2 block).
 * ld and block must be multiples of 16.
 */
export function invertInPlace(a: usize, ld: i32, block: i32, r: usize, d: usize, saved: usize): void {
  const n = <usize>ld;
  const rowBytes = n << 2;
  for (let k0: usize = 0; k0 < n; k0 += <usize>block) {
    const b = min<usize>(<usize>block, n - k0);
    for (let x: usize = 0; x < b; x++)
      for (let y: usize = 0; y < b; y++)
        store<f32>(d + ((x * b + y) << 2), load<f32>(a + (k0 + x) * rowBytes + ((k0 + y) << 2)));
    invertSmall(d, <i32>b);
    // R = D^-1 a[K,:]
    for (let x: usize = 0; x < b; x++) {
      const out = r + x * rowBytes;
      for (let j: usize = 0; j < rowBytes; j += 16) v128.store(out + j, f32x4.splat(0));
      for (let y: usize = 0; y < b; y++) {
        const s = f32x4.splat(load<f32>(d + ((x * b + y) << 2)));
        const src = a + (k0 + y) * rowBytes;
        for (let j: usize = 0; j < rowBytes; j += 16)
          v128.store(out + j, f32x4.add(v128.load(out + j), f32x4.mul(s, v128.load(src + j))));
      }
    }
    for (let i: usize = 0; i < n; i += 2) {
      if (i >= k0 && i < k0 + b) continue;
      updateRowPair(a, i, n, k0, b, r, saved);
      // the update left a[i,K] at zero; it becomes -c D^-1
      for (let t: usize = 0; t < 2; t++) {
        const row = a + (i + t) * rowBytes;
        for (let y: usize = 0; y < b; y++) {
          let sum: f32 = 0;
          for (let x: usize = 0; x < b; x++)
            sum += load<f32>(saved + ((t * b + x) << 2)) * load<f32>(d + ((x * b + y) << 2));
          store<f32>(row + ((k0 + y) << 2), -sum);
        }
      }
    }
    for (let x: usize = 0; x < b; x++) {
      memory.copy(a + (k0 + x) * rowBytes, r + x * rowBytes, rowBytes);
      for (let y: usize = 0; y < b; y++)
        store<f32>(a + (k0 + x) * rowBytes + ((k0 + y) << 2), load<f32>(d + ((x * b + y) << 2)));
    }
  }
}
