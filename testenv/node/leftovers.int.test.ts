/**
 * A node whose janitor failed leaves its bridge and egress chain; the next node removes them
 * before it starts, with the machine lock held so that no running node's are touched.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { removeLeftovers } from './host-state.ts';
import { lockMachine, unlockMachine } from './machine-lock.ts';

const run = promisify(execFile);
const bridge = 'mrleft0';
const chain = 'MOVIE-RECO-LEFTOVER';
const mangleRules = async () => (await run('iptables-save', ['-t', 'mangle'])).stdout;

describe("an earlier node's leftovers", () => {
  let locked = false;
  afterAll(async () => {
    if (!locked) return;
    await removeLeftovers(bridge);
    unlockMachine();
  });

  it('are removed: the bridge, the chain and the rule that jumps to it', async () => {
    await lockMachine(900_000);
    locked = true;
    await run('ip', ['link', 'add', bridge, 'type', 'bridge']);
    await run('iptables', ['-t', 'mangle', '-N', chain]);
    await run('iptables', ['-t', 'mangle', '-A', chain, '-j', 'RETURN']);
    await run('iptables', ['-t', 'mangle', '-A', 'POSTROUTING', '-s', '10.250.0.0/24', '-j', chain]);
    expect(await mangleRules()).toContain(`-j ${chain}`);

    expect(await removeLeftovers(bridge)).toEqual([`bridge ${bridge}`, `iptables mangle ${chain}`]);
    expect(existsSync(`/sys/class/net/${bridge}`)).toBe(false);
    expect(await mangleRules()).not.toContain(chain);
    expect(await removeLeftovers(bridge)).toEqual([]);
  }, 960_000);
});
