/**
 * node bench/ease-solve.ts [sizes...]: seconds to invert an n x n symmetric positive definite
 * matrix (a Gram matrix plus a ridge, as EASE solves) three ways: ml-matrix's inverse (float64),
 * Gauss-Jordan in TypeScript over a Float64Array, and the WebAssembly SIMD kernel (float32, blocked)
 * that model/ease.ts uses. Prints one JSON line per size.
 */
import { inverse, Matrix } from 'ml-matrix';
import { KernelWorkspace } from '../model/kernel/workspace.ts';
import { Random } from '../model/random.ts';

const sizes = process.argv.slice(2).map(Number);
const BLOCK = 64;

function gramPlusRidge(n: number, seed: number): Float64Array {
  const random = new Random(seed);
  const users = 2 * n;
  const x = Float64Array.from({ length: users * n }, () => (random.next() < 0.05 ? 1 : 0));
  const a = new Float64Array(n * n);
  for (let u = 0; u < users; u++) {
    for (let p = 0; p < n; p++) {
      if (x[u * n + p] === 0) continue;
      for (let q = 0; q < n; q++) a[p * n + q]! += x[u * n + q]!;
    }
  }
  for (let p = 0; p < n; p++) a[p * n + p]! += 50;
  return a;
}

/** Unblocked in-place Gauss-Jordan, the same elimination as the kernel without blocks or SIMD. */
function invertTypeScript(a: Float64Array, n: number): void {
  for (let k = 0; k < n; k++) {
    const pivot = 1 / a[k * n + k]!;
    const rowK = k * n;
    for (let j = 0; j < n; j++) if (j !== k) a[rowK + j]! *= pivot;
    for (let i = 0; i < n; i++) {
      if (i === k) continue;
      const row = i * n;
      const factor = a[row + k]!;
      for (let j = 0; j < n; j++) a[row + j]! -= factor * a[rowK + j]!;
      a[row + k] = -factor * pivot;
    }
    a[rowK + k] = pivot;
  }
}

function time(work: () => void): number {
  const t0 = performance.now();
  work();
  return (performance.now() - t0) / 1000;
}

for (const n of sizes) {
  const a = gramPlusRidge(n, 1);
  const reference = inverse(
    new Matrix(Array.from({ length: n }, (_, p) => Array.from(a.subarray(p * n, (p + 1) * n)))),
  );
  const mlMatrixSeconds = n <= 1000 ? time(() => inverse(new Matrix(reference.to2DArray()))) : null;
  const ts = a.slice();
  const typeScriptSeconds = time(() => invertTypeScript(ts, n));
  const ld = Math.ceil(n / 16) * 16;
  const ws = new KernelWorkspace(
    { a: ['f32', ld * ld], r: ['f32', BLOCK * ld], d: ['f32', BLOCK * BLOCK], saved: ['f32', 2 * BLOCK] },
    'ease',
  );
  for (let p = 0; p < ld; p++)
    for (let q = 0; q < ld; q++) ws.views.a[p * ld + q] = p < n && q < n ? a[p * n + q]! : p === q ? 1 : 0;
  const o = ws.offsets;
  const wasmSeconds = time(() => ws.exports.invertInPlace(o.a, ld, BLOCK, o.r, o.d, o.saved));
  let wasmError = 0;
  let typeScriptError = 0;
  for (let p = 0; p < n; p++) {
    for (let q = 0; q < n; q++) {
      const expected = reference.get(p, q);
      wasmError = Math.max(wasmError, Math.abs(ws.views.a[p * ld + q]! - expected));
      typeScriptError = Math.max(typeScriptError, Math.abs(ts[p * n + q]! - expected));
    }
  }
  process.stdout.write(
    `${JSON.stringify({ n, mlMatrixSeconds, typeScriptSeconds, wasmSeconds, wasmError, typeScriptError })}\n`,
  );
}
