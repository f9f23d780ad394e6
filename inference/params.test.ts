import { describe, expect, it } from 'vitest';
import { Random } from '../model/random.ts';
import { needsDecoding, plainQueryParam } from './params.ts';

/** What Koa's ctx.query holds for a name: the one value, every value when repeated, or undefined. */
function asKoaParses(query: string, name: string): string | string[] | undefined {
  const values = new URLSearchParams(query).getAll(name);
  return values.length === 0 ? undefined : values.length === 1 ? values[0] : values;
}

describe('plainQueryParam', () => {
  it('reads a query string as URLSearchParams does whenever nothing in it needs decoding', () => {
    const random = new Random(11);
    const alphabet = ['n', 'u', 'userId', '=', '&', '&', '1', '-', '', 'x=y'];
    let compared = 0;
    for (let trial = 0; trial < 20_000; trial++) {
      const query = Array.from({ length: random.int(12) }, () => alphabet[random.int(alphabet.length)]).join('');
      expect(needsDecoding(query)).toBe(false);
      for (const name of ['n', 'u', 'userId', 'x']) {
        expect(plainQueryParam(query, name), `${name} in ${JSON.stringify(query)}`).toEqual(asKoaParses(query, name));
        compared++;
      }
    }
    expect(compared).toBe(80_000);
  });

  it('hands strings with escapes or plus signs to the full parser', () => {
    expect(needsDecoding('q=star+wars')).toBe(true);
    expect(needsDecoding('userId=%31')).toBe(true);
    expect(needsDecoding('userId=1&n=10')).toBe(false);
  });
});
