import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PodIpPool } from './pod-ips.ts';

const dir = mkdtempSync(join(tmpdir(), 'pod-ips-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('pod IPs', () => {
  it('hands out 127.0.1.2 upwards, never twice, and reuses released ones', () => {
    const locks = join(dir, 'a');
    const one = new PodIpPool(locks);
    const other = new PodIpPool(locks); // another runner sharing the machine
    expect([one.allocate(), other.allocate(), one.allocate()]).toEqual(['127.0.1.2', '127.0.1.3', '127.0.1.4']);
    one.release('127.0.1.2');
    expect(other.allocate()).toBe('127.0.1.2');
    expect(readFileSync(join(locks, '127.0.1.2'), 'utf8')).toBe(String(process.pid));
    other.releaseAll();
    one.releaseAll();
  });

  it('takes over the address of a runner that died', () => {
    const locks = join(dir, 'b');
    const pool = new PodIpPool(locks);
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    writeFileSync(join(locks, '127.0.1.2'), dead);
    writeFileSync(join(locks, '127.0.1.3'), '1'); // init: alive
    expect(pool.allocate()).toBe('127.0.1.2');
    expect(pool.allocate()).toBe('127.0.1.4');
  });
});
