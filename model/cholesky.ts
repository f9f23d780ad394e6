/**
 * Solves a x = b for a symmetric positive definite n x n matrix (row-major, only the upper
 * triangle read), in place: `a` becomes the Cholesky factor U (a = UᵀU) and `b` becomes x.
 */
export function solveSymmetricPositiveDefinite(a: Float64Array, b: Float64Array, n: number): void {
  for (let j = 0; j < n; j++) {
    let diagonal = a[j * n + j]!;
    for (let k = 0; k < j; k++) diagonal -= a[k * n + j]! * a[k * n + j]!;
    const ujj = Math.sqrt(diagonal);
    a[j * n + j] = ujj;
    for (let i = j + 1; i < n; i++) {
      let value = a[j * n + i]!;
      for (let k = 0; k < j; k++) value -= a[k * n + j]! * a[k * n + i]!;
      a[j * n + i] = value / ujj;
    }
  }
  // Uᵀ y = b, then U x = y
  for (let i = 0; i < n; i++) {
    let value = b[i]!;
    for (let k = 0; k < i; k++) value -= a[k * n + i]! * b[k]!;
    b[i] = value / a[i * n + i]!;
  }
  for (let i = n - 1; i >= 0; i--) {
    let value = b[i]!;
    for (let k = i + 1; k < n; k++) value -= a[i * n + k]! * b[k]!;
    b[i] = value / a[i * n + i]!;
  }
}
