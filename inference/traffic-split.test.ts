import { describe, expect, it } from 'vitest';
import { roleForUser, SPLIT_BUCKETS, userBucket } from './traffic-split.ts';

const users = Array.from({ length: 200_000 }, (_, k) => k + 1);
const challengerShare = (share: number, ids: readonly number[] = users) =>
  ids.filter((id) => roleForUser(id, share) === 'challenger').length / ids.length;

describe('traffic split by user id', () => {
  it('gives the challenger its share of users within half a point, for consecutive and scattered ids', () => {
    const scattered = users.map((k) => (k * 7919 + 104_729) % 2_000_000_000);
    for (const share of [1, 5, 10, 25, 50, 75, 99]) {
      expect(Math.abs(challengerShare(share) - share / 100), `share ${share}`).toBeLessThan(0.005);
      expect(Math.abs(challengerShare(share, scattered) - share / 100), `scattered ${share}`).toBeLessThan(0.005);
    }
    expect(challengerShare(0)).toBe(0);
    expect(challengerShare(100)).toBe(1);
  });

  it('sends a user to the same model on every call, and a growing share only moves users to the challenger', () => {
    const sample = users.slice(0, 5000);
    const at = (share: number) => sample.map((id) => roleForUser(id, share));
    expect(at(25)).toEqual(at(25));
    const before = at(10);
    const after = at(50);
    expect(before.some((role, k) => role === 'challenger' && after[k] === 'champion')).toBe(false);
    expect(after.filter((role) => role === 'challenger').length).toBeGreaterThan(
      before.filter((role) => role === 'challenger').length,
    );
  });

  it('is a fixed function of the id (the same buckets in every pod and release)', () => {
    // Pinned values: a change to the hash would move users between models mid-rollout.
    expect([1, 2, 3, 610, 2_147_483_647].map(userBucket)).toEqual([6727, 7078, 4487, 5244, 9880]);
    for (const id of users.slice(0, 1000)) {
      const bucket = userBucket(id);
      expect(Number.isInteger(bucket) && bucket >= 0 && bucket < SPLIT_BUCKETS).toBe(true);
    }
  });
});
