import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { type TarEntry, tarStream } from './tar.ts';

const run = promisify(execFile);
const work = mkdtempSync(join(tmpdir(), 'movie-reco-tar-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function archive(entries: TarEntry[], mtime: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of tarStream(entries, mtime)) chunks.push(chunk);
  return Buffer.concat(chunks);
}

const owner = { uid: 0, gid: 0 };
const deepDir = `a/${'d'.repeat(90)}/${'e'.repeat(90)}`;
const longName = `x${'n'.repeat(150)}.js`;
const onDisk = join(work, 'source.bin');
writeFileSync(onDisk, Buffer.alloc(1500, 7));

const entries: TarEntry[] = [
  { type: 'dir', path: 'a', mode: 0o755, ...owner },
  { type: 'dir', path: deepDir, mode: 0o750, ...owner },
  { type: 'file', path: `${deepDir}/script.sh`, mode: 0o755, size: 10, source: Buffer.from('#!/bin/sh\n'), ...owner },
  { type: 'file', path: `a/${longName}`, mode: 0o644, size: 1500, source: onDisk, ...owner },
  { type: 'hardlink', path: 'a/same', mode: 0o644, target: `a/${longName}`, ...owner },
  { type: 'symlink', path: 'a/link', target: `/${'t'.repeat(120)}/target`, ...owner },
];

describe('tarStream', () => {
  it('writes an archive GNU tar extracts as written: long paths, links, modes and the fixed mtime', async () => {
    const bytes = await archive(entries, 1_700_000_000);
    const out = join(work, 'out');
    mkdirSync(out);
    writeFileSync(join(work, 'a.tar'), bytes);
    await run('tar', ['-xpf', join(work, 'a.tar'), '-C', out]);

    expect(readFileSync(join(out, deepDir, 'script.sh'), 'utf8')).toBe('#!/bin/sh\n');
    expect(statSync(join(out, deepDir, 'script.sh')).mode & 0o777).toBe(0o755);
    expect(statSync(join(out, deepDir)).mode & 0o777).toBe(0o750);
    expect(readFileSync(join(out, 'a', longName))).toEqual(Buffer.alloc(1500, 7));
    expect(statSync(join(out, 'a/same')).ino).toBe(statSync(join(out, 'a', longName)).ino);
    expect(readlinkSync(join(out, 'a/link'))).toBe(`/${'t'.repeat(120)}/target`);
    expect(lstatSync(join(out, deepDir, 'script.sh')).mtimeMs).toBe(1_700_000_000_000);
  });

  it('gives the same bytes for the same entries, and different bytes for another mtime', async () => {
    const digest = async (mtime: number) =>
      createHash('sha256')
        .update(await archive(entries, mtime))
        .digest('hex');
    expect(await digest(1)).toBe(await digest(1));
    expect(await digest(2)).not.toBe(await digest(1));
  });

  it('refuses a file whose size changed since it was listed', async () => {
    const wrong: TarEntry = { type: 'file', path: 'f', mode: 0o644, size: 10, source: onDisk, ...owner };
    await expect(archive([wrong], 0)).rejects.toThrow(/changed while it was archived/);
  });
});
