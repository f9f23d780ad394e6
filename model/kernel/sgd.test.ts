import { describe, expect, it } from 'vitest';
import { Random } from '../random.ts';
import { groupByRow } from '../training-set.ts';
import { referenceEpoch, type ReferenceRates } from './reference-epoch.ts';
import { KernelWorkspace } from './workspace.ts';

function problem(seed: number) {
  const random = new Random(seed);
  const users = 30;
  const items = 40;
  const stride = 8;
  const n = 500;
  const u = new Int32Array(n);
  const i = new Int32Array(n);
  const r = new Float32Array(n);
  for (let k = 0; k < n; k++) {
    u[k] = random.int(users);
    i[k] = random.int(items);
    r[k] = 0.5 * (1 + random.int(10));
  }
  const grouped = groupByRow(u, i, r, users);
  const init = (rows: number) =>
    Float32Array.from({ length: rows * stride }, (_, k) => (k % stride < 6 ? random.normal() * 0.1 : 0));
  return { users, items, stride, grouped, p: init(users), q: init(items), y: init(items) };
}

const rates: ReferenceRates = {
  mean: 3,
  lrBias: 0.01,
  lrFactor: 0.02,
  regUserBias: 0.02,
  regItemBias: 0.03,
  regFactor: 0.05,
  regImplicit: 0.1,
};

describe('the WebAssembly SGD kernel', () => {
  for (const implicit of [false, true]) {
    it(`matches the scalar reference epoch for epoch (${implicit ? 'SVD++' : 'biased MF'})`, () => {
      const pr = problem(7);
      const { users, items, stride, grouped } = pr;
      const n = grouped.columns.length;
      const ws = new KernelWorkspace({
        order: ['i32', users],
        offsets: ['i32', users + 1],
        items: ['i32', n],
        ratings: ['f32', n],
        p: ['f32', users * stride],
        q: ['f32', items * stride],
        y: ['f32', items * stride],
        bu: ['f32', users],
        bi: ['f32', items],
        z: ['f32', stride],
        g: ['f32', stride],
      });
      const v = ws.views;
      const o = ws.offsets;
      v.offsets.set(grouped.offsets);
      v.items.set(grouped.columns);
      v.ratings.set(grouped.columnValues);
      v.p.set(pr.p);
      v.q.set(pr.q);
      v.y.set(pr.y);
      const reference = {
        stride,
        p: pr.p.slice(),
        q: pr.q.slice(),
        y: pr.y.slice(),
        bu: new Float32Array(users),
        bi: new Float32Array(items),
      };
      const random = new Random(3);
      for (let epoch = 0; epoch < 3; epoch++) {
        for (let k = 0; k < users; k++) v.order[k] = k;
        random.shuffle(v.order);
        const kernelSse = ws.exports.epoch(
          o.order,
          users,
          o.offsets,
          o.items,
          o.ratings,
          o.p,
          o.q,
          o.y,
          o.bu,
          o.bi,
          stride,
          o.z,
          o.g,
          implicit,
          rates.mean,
          rates.lrBias,
          rates.lrFactor,
          rates.regUserBias,
          rates.regItemBias,
          rates.regFactor,
          rates.regImplicit,
        );
        const referenceSse = referenceEpoch(
          reference,
          v.order,
          grouped.offsets,
          grouped.columns,
          grouped.columnValues,
          implicit,
          rates,
        );
        expect(kernelSse).toBeCloseTo(referenceSse, 3);
      }
      const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, x, k) => Math.max(m, Math.abs(x - b[k]!)), 0);
      expect(maxDiff(v.p, reference.p)).toBeLessThan(1e-4);
      expect(maxDiff(v.q, reference.q)).toBeLessThan(1e-4);
      expect(maxDiff(v.bu, reference.bu)).toBeLessThan(1e-4);
      expect(maxDiff(v.bi, reference.bi)).toBeLessThan(1e-4);
      if (implicit) expect(maxDiff(v.y, reference.y)).toBeLessThan(1e-4);
      // padding lanes receive no gradient and must stay exactly zero
      for (let row = 0; row < users; row++) expect([v.p[row * stride + 6], v.p[row * stride + 7]]).toEqual([0, 0]);
    });
  }
});
