/** A number as JSON.stringify writes it (null for NaN and infinities). */
export function jsonNumber(value: number): string {
  return Number.isFinite(value) ? String(value) : 'null';
}

/** The fraction part of k / 1000 as JavaScript prints it: '', '.5', '.25', '.125'. */
const THOUSANDTHS = Array.from({ length: 1000 }, (_, k) =>
  k === 0 ? '' : `.${String(k).padStart(3, '0').replace(/0+$/, '')}`,
);

/**
 * `jsonNumber(Math.round(value * 1000) / 1000)`, the same characters, for the predicted ratings
 * the hottest route writes: a non-integer double goes through the shortest-round-trip printer,
 * about as long as the rest of the answer's formatting, while the thousandths of a rating are a
 * table lookup.
 */
export function thousandthsJson(value: number): string {
  const thousandths = Math.round(value * 1000);
  if (!(thousandths >= 0 && thousandths < 1e15)) return jsonNumber(thousandths / 1000);
  const units = Math.floor(thousandths / 1000);
  return String(units) + THOUSANDTHS[thousandths - units * 1000]!;
}
