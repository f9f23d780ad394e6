import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { Random } from '../model/random.ts';
import { FastHistogram } from './fast-histogram.ts';

const buckets = [0.001, 0.0025, 0.005, 0.01, 0.3, 1, 10];
const labelNames = ['method', 'route', 'status_code'] as const;

/** prom-client's Histogram and a FastHistogram, each in a registry of its own, with the same configuration. */
function pair() {
  const reference = new Registry();
  const fast = new Registry();
  const config = {
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration',
    labelNames: [...labelNames],
    buckets,
  };
  return {
    reference: new Histogram({ ...config, registers: [reference] }),
    fast: new FastHistogram({ ...config, registers: [fast] }),
    text: async () => [await reference.metrics(), await fast.metrics()] as const,
  };
}

describe('FastHistogram', () => {
  it('exposes what prom-client exposes: every label set, bucket edge and value past the last bucket', async () => {
    const { reference, fast, text } = pair();
    const sets = [
      { method: 'GET', route: '/v1/predict', status_code: '200' },
      { method: 'POST', route: '/v1/ratings', status_code: '201' },
      { method: 'GET', route: 'unmatched', status_code: '404' },
    ];
    const refChildren = sets.map((labels) => reference.labels(labels));
    const fastChildren = sets.map((labels) => fast.labels(labels));
    const random = new Random(5);
    const edges = [...buckets, 0, 12, 1e-9];
    for (let k = 0; k < 5_000; k++) {
      const value = k % 10 === 0 ? edges[k % edges.length]! : random.next() ** 4 * 2;
      const which = random.int(sets.length);
      refChildren[which]!.observe(value);
      fastChildren[which]!.observe(value);
    }
    const [expected, actual] = await text();
    expect(actual).toBe(expected);
    expect(actual).toContain(
      'http_request_duration_seconds_bucket{le="+Inf",method="GET",route="/v1/predict",status_code="200"}',
    );
  });

  it('shows label sets from their first observation, in order; reset forgets them until observed again', async () => {
    const { reference, fast, text } = pair();
    const a = { method: 'GET', route: '/a', status_code: '200' };
    const b = { method: 'GET', route: '/b', status_code: '500' };
    const fastA = fast.labels(a);
    const fastB = fast.labels(b);
    expect((await text())[1]).not.toContain('route="/a"');
    for (const [ref, mine] of [
      [reference.labels(b), fastB],
      [reference.labels(a), fastA],
    ] as const) {
      ref.observe(0.002);
      mine.observe(0.002);
    }
    const [before, beforeFast] = await text();
    expect(beforeFast).toBe(before);
    expect(beforeFast.indexOf('route="/b"')).toBeLessThan(beforeFast.indexOf('route="/a"'));
    reference.reset();
    fast.reset();
    reference.labels(a).observe(0.5);
    fastA.observe(0.5);
    const [after, afterFast] = await text();
    expect(afterFast).toBe(after);
    expect(afterFast).not.toContain('route="/b"');
  });

  it('refuses an unknown label and a value that is not a number, as prom-client does', () => {
    const { fast } = pair();
    expect(() => fast.labels({ method: 'GET', path: '/x' } as never)).toThrow(/unknown label path/);
    expect(() => fast.labels({ method: 'GET', route: '/', status_code: '200' }).observe(Number.NaN)).toThrow(
      /not a valid number/,
    );
  });
});
