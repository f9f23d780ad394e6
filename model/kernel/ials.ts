// The iALS half-epoch of model/ials.ts (the reference, in TypeScript), compiled to WebAssembly SIMD:
// every row of one side by a few steps of conjugate gradient against the other side's fixed factors.
// Rows are k f32 (k a multiple of 4) so that each is whole f32x4 lanes; the CG vectors are f32 too.

@inline function hsum(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3);
}

@inline function dot(a: usize, b: usize, bytes: usize): f32 {
  let sum = f32x4.splat(0);
  for (let x: usize = 0; x < bytes; x += 16) sum = f32x4.add(sum, f32x4.mul(v128.load(a + x), v128.load(b + x)));
  return hsum(sum);
}

/** out = (Σ_rated v vᵀ + alpha G + lambda I) input, the rated v at columns[start, end). */
@inline function multiply(
  g: usize, other: usize, columns: usize, start: usize, end: usize, k: usize,
  alpha: f32, lambda: f32, input: usize, out: usize,
): void {
  const bytes = k << 2;
  for (let a: usize = 0; a < k; a++)
    store<f32>(out + (a << 2), alpha * dot(g + a * bytes, input, bytes) + lambda * load<f32>(input + (a << 2)));
  for (let e = start; e < end; e++) {
    const v = other + <usize>load<i32>(columns + (e << 2)) * bytes;
    const d = f32x4.splat(dot(v, input, bytes));
    for (let x: usize = 0; x < bytes; x += 16)
      v128.store(out + x, f32x4.add(v128.load(out + x), f32x4.mul(d, v128.load(v + x))));
  }
}

/**
 * Rows [0, rows) of `own` (rows x k) from CSR (offsets, columns) against `other`, G = otherᵀother
 * (k x k f32); lambda of a row = regularization (its ratings + alpha otherCount)^exponent.
 * Scratch: 4 k floats at `scratch` (r, p, ap, x).
 */
export function solveSide(
  offsets: usize, columns: usize, rows: i32, own: usize, other: usize, g: usize, k: i32,
  alpha: f32, regularization: f32, exponent: f32, otherCount: i32, cgSteps: i32, scratch: usize,
): void {
  const n = <usize>k;
  const bytes = n << 2;
  const r = scratch;
  const p = r + bytes;
  const ap = p + bytes;
  for (let row: usize = 0; row < <usize>rows; row++) {
    const start = <usize>load<i32>(offsets + (row << 2));
    const end = <usize>load<i32>(offsets + ((row + 1) << 2));
    const base = <f32>(end - start) + alpha * <f32>otherCount;
    const lambda = regularization * (exponent == 1 ? base : Mathf.pow(base, exponent));
    const x = own + row * bytes;
    // r = b - A x, b = Σ_rated v
    multiply(g, other, columns, start, end, n, alpha, lambda, x, ap);
    for (let a: usize = 0; a < bytes; a += 16) v128.store(r + a, f32x4.neg(v128.load(ap + a)));
    for (let e = start; e < end; e++) {
      const v = other + <usize>load<i32>(columns + (e << 2)) * bytes;
      for (let a: usize = 0; a < bytes; a += 16) v128.store(r + a, f32x4.add(v128.load(r + a), v128.load(v + a)));
    }
    memory.copy(p, r, bytes);
    let rr = dot(r, r, bytes);
    for (let step = 0; step < cgSteps && rr > <f32>1e-20; step++) {
      multiply(g, other, columns, start, end, n, alpha, lambda, p, ap);
      const stepSize = f32x4.splat(rr / dot(p, ap, bytes));
      let next = f32x4.splat(0);
      for (let a: usize = 0; a < bytes; a += 16) {
        v128.store(x + a, f32x4.add(v128.load(x + a), f32x4.mul(stepSize, v128.load(p + a))));
        const ra = f32x4.sub(v128.load(r + a), f32x4.mul(stepSize, v128.load(ap + a)));
        v128.store(r + a, ra);
        next = f32x4.add(next, f32x4.mul(ra, ra));
      }
      const nextRr = hsum(next);
      const beta = f32x4.splat(nextRr / rr);
      rr = nextRr;
      for (let a: usize = 0; a < bytes; a += 16)
        v128.store(p + a, f32x4.add(v128.load(r + a), f32x4.mul(beta, v128.load(p + a))));
    }
  }
}

/** out[p] = row · rows[p] for p < count: rows of `k` f32 (a multiple of 4), `rows` contiguous. */
export function dotRows(row: usize, rows: usize, count: i32, k: i32, out: usize): void {
  const bytes = <usize>k << 2;
  for (let p: usize = 0; p < <usize>count; p++) store<f32>(out + (p << 2), dot(row, rows + p * bytes, bytes));
}
