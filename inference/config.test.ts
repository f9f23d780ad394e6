import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, serveConfigFromEnv } from './config.ts';
import { parseCredential } from './auth.ts';

describe('serveConfigFromEnv', () => {
  it('applies defaults', () => {
    const config = serveConfigFromEnv({ MOVIE_RECO_MODEL_URI: '/models/run-1' });
    expect(config).toMatchObject({
      host: '0.0.0.0',
      port: 8080,
      modelUri: '/models/run-1',
      drainSeconds: 20,
      precompute: true,
    });
    expect(config.auth).toEqual({ read: [], write: [], admin: [], anonymousWrites: true });
  });

  it('names every bad variable', () => {
    const attempt = () => serveConfigFromEnv({ MOVIE_RECO_PORT: 'eighty', MOVIE_RECO_MODEL_DIGEST: 'md5:x' });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/MOVIE_RECO_PORT: must be an integer/);
    expect(attempt).toThrow(/MOVIE_RECO_MODEL_DIGEST/);
    expect(attempt).toThrow(/MOVIE_RECO_MODEL_URI/);
  });

  it('reads credentials from the environment or a mounted file, never echoing a secret', () => {
    const fromEnv = serveConfigFromEnv({
      MOVIE_RECO_MODEL_URI: 'x/y',
      MOVIE_RECO_AUTH_READ: 'bearer:t1, basic:bob:pw',
      MOVIE_RECO_AUTH_WRITE: 'basic:w:pw2',
    });
    expect(fromEnv.auth.read.map((c) => c.principal)).toEqual([undefined, 'bob']);
    expect(fromEnv.auth.write).toHaveLength(1);
    const dir = mkdtempSync(join(tmpdir(), 'auth-'));
    writeFileSync(join(dir, 'auth.json'), JSON.stringify({ read: ['bearer:abc'], write: ['basic:x:y'] }));
    const fromFile = serveConfigFromEnv({ MOVIE_RECO_MODEL_URI: 'x/y', MOVIE_RECO_AUTH_FILE: join(dir, 'auth.json') });
    expect(fromFile.auth.read).toHaveLength(1);
    expect(() =>
      serveConfigFromEnv({ MOVIE_RECO_MODEL_URI: 'x/y', MOVIE_RECO_AUTH_READ: 'token-without-scheme-s3cret' }),
    ).toThrow(expect.objectContaining({ message: expect.not.stringContaining('s3cret') }));
    expect(() => parseCredential('basic:onlyuser')).toThrow(/basic:USER:PASSWORD/);
  });

  it('takes anonymous writes unless MOVIE_RECO_ANONYMOUS_WRITES=false, and refuses any other value', () => {
    expect(serveConfigFromEnv({ MOVIE_RECO_MODEL_URI: 'x/y' }).auth.anonymousWrites).toBe(true);
    const closed = serveConfigFromEnv({ MOVIE_RECO_MODEL_URI: 'x/y', MOVIE_RECO_ANONYMOUS_WRITES: 'false' });
    expect(closed.auth.anonymousWrites).toBe(false);
    expect(() => serveConfigFromEnv({ MOVIE_RECO_MODEL_URI: 'x/y', MOVIE_RECO_ANONYMOUS_WRITES: 'no' })).toThrow(
      /MOVIE_RECO_ANONYMOUS_WRITES: must be true or false/,
    );
  });

  it('reads a challenger with its mode and share, and refuses a canary without share or a shadow with one', () => {
    const base = { MOVIE_RECO_MODEL_URI: 'x/champion' };
    const digest = `sha256:${'a'.repeat(64)}`;
    expect(serveConfigFromEnv(base).challenger).toBeUndefined();
    expect(
      serveConfigFromEnv({
        ...base,
        MOVIE_RECO_CHALLENGER_URI: 'x/challenger',
        MOVIE_RECO_CHALLENGER_DIGEST: digest,
        MOVIE_RECO_CHALLENGER_MODE: 'canary',
        MOVIE_RECO_CHALLENGER_SHARE: '25',
      }).challenger,
    ).toEqual({ source: { uri: 'x/challenger', digest }, settings: { mode: 'canary', sharePercent: 25, delayMs: 0 } });
    const shadow = { ...base, MOVIE_RECO_CHALLENGER_URI: 'x/challenger', MOVIE_RECO_CHALLENGER_MODE: 'shadow' };
    expect(serveConfigFromEnv(shadow).challenger?.settings).toEqual({ mode: 'shadow', sharePercent: 0, delayMs: 0 });
    expect(serveConfigFromEnv({ ...shadow, MOVIE_RECO_CHALLENGER_DELAY_MS: '250' }).challenger?.settings.delayMs).toBe(
      250,
    );
    const refused: [Record<string, string>, RegExp][] = [
      [{ ...base, MOVIE_RECO_CHALLENGER_URI: 'x/c' }, /MOVIE_RECO_CHALLENGER_MODE: set MOVIE_RECO_CHALLENGER_URI and/],
      [{ ...shadow, MOVIE_RECO_CHALLENGER_MODE: 'canary' }, /MOVIE_RECO_CHALLENGER_SHARE: a canary needs/],
      [{ ...shadow, MOVIE_RECO_CHALLENGER_SHARE: '10' }, /MOVIE_RECO_CHALLENGER_SHARE: a shadow challenger serves no/],
      [{ ...shadow, MOVIE_RECO_CHALLENGER_MODE: 'blue' }, /MOVIE_RECO_CHALLENGER_MODE: must be shadow or canary/],
      [{ ...shadow, MOVIE_RECO_CHALLENGER_DIGEST: 'md5:1' }, /MOVIE_RECO_CHALLENGER_DIGEST: must look like sha256/],
      [{ ...shadow, MOVIE_RECO_CHALLENGER_SHARE: '101' }, /MOVIE_RECO_CHALLENGER_SHARE/],
      [{ ...shadow, MOVIE_RECO_CHALLENGER_DELAY_MS: '10001' }, /MOVIE_RECO_CHALLENGER_DELAY_MS/],
    ];
    for (const [env, message] of refused) expect(() => serveConfigFromEnv(env)).toThrow(message);
  });
});
