/**
 * Which model answers a user during a canary: a stable hash of the user id puts every user in one
 * of 10,000 buckets, and the challenger serves the buckets below its share. Pure, so every pod
 * (and every restart) sends a user to the same model, and raising the share only moves users from
 * the champion to the challenger, never back.
 */
export type ModelRole = 'champion' | 'challenger';

export const SPLIT_BUCKETS = 10_000;

/** The user's bucket in [0, SPLIT_BUCKETS): murmur3's 32-bit finaliser, so neighbouring ids scatter. */
export function userBucket(userId: number): number {
  let h = (userId | 0) ^ Math.floor(userId / 0x1_0000_0000);
  h = Math.imul(h ^ (h >>> 16), 0x85eb_ca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2_ae35);
  h ^= h >>> 16;
  return (h >>> 0) % SPLIT_BUCKETS;
}

/** The model that serves `userId` when the challenger takes `challengerSharePercent` (0..100) of users. */
export function roleForUser(userId: number, challengerSharePercent: number): ModelRole {
  return userBucket(userId) < challengerSharePercent * (SPLIT_BUCKETS / 100) ? 'challenger' : 'champion';
}
