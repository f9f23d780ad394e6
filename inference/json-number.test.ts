import { describe, expect, it } from 'vitest';
import { Random } from '../model/random.ts';
import { jsonNumber, thousandthsJson } from './json-number.ts';

const asRoundedJson = (value: number) => JSON.stringify(Math.round(value * 1000) / 1000) ?? 'null';

describe('thousandthsJson', () => {
  it('writes every multiple of 0.001 up to 5,000 as JSON.stringify does', () => {
    const wrong: number[] = [];
    for (let m = 0; m <= 5_000_000; m++) if (thousandthsJson(m / 1000) !== String(m / 1000)) wrong.push(m);
    expect(wrong).toEqual([]);
  });

  it('rounds to thousandths first, as Math.round does, for ratings and any other double', () => {
    const values = [
      0.5,
      4.9995,
      4.99949,
      Math.PI,
      2.0005,
      1e-9,
      123456.7891,
      2 ** 40 + 0.5,
      -0,
      -0.0004,
      -1.2345,
      1e300,
      Number.NaN,
      Infinity,
    ];
    const random = new Random(3);
    for (let k = 0; k < 10_000; k++) values.push(random.next() * 5.5, (random.next() - 0.5) * 1e6);
    for (const value of values) expect(thousandthsJson(value), String(value)).toBe(asRoundedJson(value));
  });
});

describe('jsonNumber', () => {
  it('is JSON.stringify for numbers', () => {
    for (const value of [0, -0, 1.5, -2, 1e21, 5e-7, Number.NaN, -Infinity])
      expect(jsonNumber(value)).toBe(JSON.stringify(value));
  });
});
