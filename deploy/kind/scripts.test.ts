import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { findOnPath, installCommand } from '../../testenv/debian-packages.ts';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..', '..');

describe('shell scripts (the kind quickstart cannot run here: no Docker)', () => {
  it('pass shellcheck', async () => {
    const shellcheck = findOnPath('shellcheck');
    if (!shellcheck) throw new Error(`shellcheck is missing: ${installCommand}`);
    const scripts = [
      ...readdirSync(join(root, 'deploy', 'kind'))
        .filter((name) => name.endsWith('.sh'))
        .map((name) => join('deploy', 'kind', name)),
      join('charts', 'sync.sh'),
      join('tools', 'sync-kube-replaces.sh'),
      join('.ci', 'run'),
    ];
    expect(scripts.length).toBeGreaterThan(4);
    const { stdout } = await run(shellcheck, ['--shell=bash', ...scripts], { cwd: root });
    expect(stdout).toBe('');
  });
});
