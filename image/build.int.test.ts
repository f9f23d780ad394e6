import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../common/log.ts';
import { buildImage } from './build.ts';

const work = mkdtempSync(join(tmpdir(), 'movie-reco-image-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

describe('npm run image', () => {
  it('builds the same image twice from the same commit: same digest, same archive bytes', async () => {
    const log = createLogger({ component: 'image-test' }, { level: 'warn' });
    const first = await buildImage(log, { outDir: join(work, 'first') });
    const second = await buildImage(log, { outDir: join(work, 'second') });
    expect(first.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(second.digest).toBe(first.digest);
    expect(sha256(second.archive)).toBe(sha256(first.archive));
  }, 900_000);
});
