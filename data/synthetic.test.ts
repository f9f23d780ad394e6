import { describe, expect, it } from 'vitest';
import { generateSynthetic, plantedScore, SYNTHETIC_PRESETS } from './synthetic.ts';

const small = { users: 300, movies: 200, ratings: 12_000 };

function pairCount(userIds: Int32Array, movieIds: Int32Array): number {
  const pairs = new Set<number>();
  for (let i = 0; i < userIds.length; i++) pairs.add(userIds[i]! * 1_000_003 + movieIds[i]!);
  return pairs.size;
}

describe('generateSynthetic', () => {
  it('is deterministic for a seed and differs across seeds', () => {
    const a = generateSynthetic({ ...small, seed: 7 });
    const b = generateSynthetic({ ...small, seed: 7 });
    const c = generateSynthetic({ ...small, seed: 8 });
    expect(a.ratings).toEqual(b.ratings);
    expect(a.planted).toEqual(b.planted);
    expect(Buffer.from(c.ratings.movieIds.buffer).equals(Buffer.from(a.ratings.movieIds.buffer))).toBe(false);
  });

  it('has the requested shape: exact count, every user and movie, no pair twice, half stars in [0.5, 5]', () => {
    const { ratings } = generateSynthetic(small);
    expect(ratings.length).toBe(12_000);
    expect(new Set(ratings.userIds).size).toBe(300);
    expect(new Set(ratings.movieIds).size).toBe(200);
    expect(pairCount(ratings.userIds, ratings.movieIds)).toBe(12_000);
    expect(ratings.values.every((v) => v >= 0.5 && v <= 5 && Number.isInteger(v * 2))).toBe(true);
    expect(Math.min(...ratings.userIds)).toBe(1);
    expect(Math.max(...ratings.movieIds)).toBe(200);
  });

  it('fills a dense corner case: every user rates every movie', () => {
    const { ratings } = generateSynthetic({ users: 20, movies: 30, ratings: 600 });
    expect(pairCount(ratings.userIds, ratings.movieIds)).toBe(600);
  });

  it('matches the ml-1m preset with power-law popularity and activity', () => {
    const { ratings, config } = generateSynthetic('ml-1m');
    expect(ratings.length).toBe(SYNTHETIC_PRESETS['ml-1m'].ratings);
    const perUser = new Int32Array(config.users + 1);
    const perMovie = new Int32Array(config.movies + 1);
    for (let i = 0; i < ratings.length; i++) {
      perUser[ratings.userIds[i]!]!++;
      perMovie[ratings.movieIds[i]!]!++;
    }
    const users = Array.from(perUser.subarray(1)).sort((x, y) => y - x);
    const movies = Array.from(perMovie.subarray(1)).sort((x, y) => y - x);
    expect(users.length).toBe(6_040);
    expect(users.at(-1)).toBeGreaterThanOrEqual(20);
    expect(movies.at(-1)).toBeGreaterThanOrEqual(1);
    expect(pairCount(ratings.userIds, ratings.movieIds)).toBe(ratings.length);
    // Heavy heads: the top 10% of movies take over half of the ratings, the top 10% of users
    // several times their even share; the median sits well below the mean.
    const share = (counts: number[], top: number) => counts.slice(0, top).reduce((s, x) => s + x, 0) / ratings.length;
    expect(share(movies, 371)).toBeGreaterThan(0.5);
    expect(share(users, 604)).toBeGreaterThan(0.3);
    expect(users[users.length >> 1]!).toBeLessThan(ratings.length / 6_040 / 1.5);
  });

  it('generates the ml-20m preset: 20 million ratings, grouped by user, no pair twice', () => {
    // Its time and memory: npm run bench:synthetic.
    const { ratings, config } = generateSynthetic('ml-20m');
    expect(ratings.length).toBe(20_000_263);
    expect(
      ratings.userIds.byteLength +
        ratings.movieIds.byteLength +
        ratings.values.byteLength +
        ratings.timestamps.byteLength,
    ).toBe(20_000_263 * 20);
    // Rows come grouped by user, so one marker array per movie finds any repeat in one pass.
    const lastUserOf = new Int32Array(config.movies + 1);
    const seenUsers = new Uint8Array(config.users + 1);
    let repeats = 0;
    let users = 0;
    for (let i = 0; i < ratings.length; i++) {
      const u = ratings.userIds[i]!;
      const m = ratings.movieIds[i]!;
      if (seenUsers[u] === 0) {
        seenUsers[u] = 1;
        users++;
      } else if (u !== ratings.userIds[i - 1]) {
        throw new Error(`user ${u} is not contiguous at row ${i}`);
      }
      if (lastUserOf[m] === u) repeats++;
      lastUserOf[m] = u;
    }
    expect(repeats).toBe(0);
    expect(users).toBe(138_493);
  }, 120_000);

  it('draws ratings from the planted model: residuals have the planted noise level', () => {
    const { ratings, planted } = generateSynthetic({ users: 2_000, movies: 1_000, ratings: 100_000, seed: 3 });
    let sum = 0;
    let squares = 0;
    let inside = 0;
    for (let i = 0; i < ratings.length; i++) {
      const expected = plantedScore(planted, ratings.userIds[i]!, ratings.movieIds[i]!);
      if (expected < 1 || expected > 4.5) continue; // clipping would bias the residual
      const residual = ratings.values[i]! - expected;
      sum += residual;
      squares += residual * residual;
      inside++;
    }
    const mean = sum / inside;
    const std = Math.sqrt(squares / inside - mean * mean);
    // Noise plus half-star rounding: sqrt(0.5^2 + 0.5^2 / 12) = 0.52.
    expect(Math.abs(mean)).toBeLessThan(0.02);
    expect(std).toBeGreaterThan(0.49);
    expect(std).toBeLessThan(0.55);
    // The planted structure carries real signal beyond the noise.
    let variance = 0;
    for (let i = 0; i < ratings.length; i++) variance += (ratings.values[i]! - 3.5) ** 2;
    expect(Math.sqrt(variance / ratings.length)).toBeGreaterThan(0.8);
  });

  it('spreads timestamps over the configured period', () => {
    const { ratings, config } = generateSynthetic(small);
    expect(ratings.timestamps.every((t) => t >= config.startTime && t < config.endTime && Number.isInteger(t))).toBe(
      true,
    );
  });

  it('refuses impossible shapes', () => {
    expect(() => generateSynthetic({ users: 10, movies: 5, ratings: 51 })).toThrow(/exceed users x movies/);
    expect(() => generateSynthetic({ users: 10, movies: 5, ratings: 9 })).toThrow(/at least users/);
    expect(() => generateSynthetic({ users: 0, movies: 5, ratings: 9 })).toThrow(/users must be a positive integer/);
  });
});
