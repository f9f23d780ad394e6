import { z } from 'zod';
import type { S3Config } from '../storage/s3-object-store.ts';
import { s3ConfigFromEnv } from '../storage/open-object-store.ts';
import { parseCredentialList, type AuthConfig } from './auth.ts';
import type { ChallengerSettings } from './live-models.ts';
import type { ModelSource } from './model-loader.ts';
import { readFileSync } from 'node:fs';

export interface ServeConfig {
  host: string;
  port: number;
  /** The artifact folder: s3://bucket/prefix/run, file:///path or a path. */
  modelUri: string | undefined;
  /** A file holding the model URI (and optionally its digest on a second line), watched for swaps. */
  modelUriFile: string | undefined;
  modelDigest: string | undefined;
  /** A second model during a Shadow or Canary rollout, verified and loaded like the champion. */
  challenger: { source: ModelSource; settings: ChallengerSettings } | undefined;
  databaseUrl: string | undefined;
  databaseTimeoutMs: number;
  drainSeconds: number;
  /** After SIGTERM, seconds of failing readiness while still serving, before the listener closes. */
  shutdownDelaySeconds: number;
  recommendationCacheSize: number;
  /** Fill the recommendation cache for every known user after each load. */
  precompute: boolean;
  s3: S3Config | undefined;
  auth: AuthConfig;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

const integer = (min: number, max: number, fallback: number) =>
  z
    .string()
    .regex(/^\d+$/, 'must be an integer')
    .transform(Number)
    .pipe(z.number().min(min).max(max))
    .default(fallback);

const digest = z
  .string()
  .regex(/^sha256:[0-9a-f]{64}$/, 'must look like sha256:<64 hex digits>')
  .optional();

const envSchema = z
  .object({
    MOVIE_RECO_HOST: z.string().min(1).default('0.0.0.0'),
    MOVIE_RECO_PORT: integer(0, 65535, 8080),
    MOVIE_RECO_MODEL_URI: z.string().min(1).optional(),
    MOVIE_RECO_MODEL_URI_FILE: z.string().min(1).optional(),
    MOVIE_RECO_MODEL_DIGEST: digest,
    MOVIE_RECO_CHALLENGER_URI: z.string().min(1).optional(),
    MOVIE_RECO_CHALLENGER_DIGEST: digest,
    MOVIE_RECO_CHALLENGER_MODE: z.enum(['shadow', 'canary'], { error: 'must be shadow or canary' }).optional(),
    MOVIE_RECO_CHALLENGER_SHARE: integer(0, 100, 0),
    MOVIE_RECO_CHALLENGER_DELAY_MS: integer(0, 10_000, 0),
    MOVIE_RECO_DATABASE_URL: z.string().min(1).optional(),
    MOVIE_RECO_DATABASE_TIMEOUT_MS: integer(100, 120_000, 5000),
    MOVIE_RECO_DRAIN_SECONDS: integer(0, 600, 20),
    MOVIE_RECO_SHUTDOWN_DELAY_SECONDS: integer(0, 600, 5),
    MOVIE_RECO_RECOMMENDATION_CACHE_SIZE: integer(0, 10_000_000, 200_000),
    MOVIE_RECO_PRECOMPUTE: z.enum(['true', 'false'], { error: 'must be true or false' }).default('true'),
    MOVIE_RECO_AUTH_FILE: z.string().min(1).optional(),
    MOVIE_RECO_AUTH_READ: z.string().optional(),
    MOVIE_RECO_AUTH_WRITE: z.string().optional(),
    MOVIE_RECO_AUTH_ADMIN: z.string().optional(),
    MOVIE_RECO_ANONYMOUS_WRITES: z.enum(['true', 'false'], { error: 'must be true or false' }).default('true'),
  })
  .refine((env) => env.MOVIE_RECO_MODEL_URI || env.MOVIE_RECO_MODEL_URI_FILE, {
    message: 'set MOVIE_RECO_MODEL_URI (the artifact folder) or MOVIE_RECO_MODEL_URI_FILE (a file naming it)',
    path: ['MOVIE_RECO_MODEL_URI'],
  })
  .refine((env) => !env.MOVIE_RECO_CHALLENGER_URI === !env.MOVIE_RECO_CHALLENGER_MODE, {
    message: 'set MOVIE_RECO_CHALLENGER_URI and MOVIE_RECO_CHALLENGER_MODE (shadow or canary) together',
    path: ['MOVIE_RECO_CHALLENGER_MODE'],
  })
  .refine((env) => env.MOVIE_RECO_CHALLENGER_MODE !== 'canary' || env.MOVIE_RECO_CHALLENGER_SHARE > 0, {
    message: 'a canary needs MOVIE_RECO_CHALLENGER_SHARE, the percent of users (1-100) the challenger serves',
    path: ['MOVIE_RECO_CHALLENGER_SHARE'],
  })
  .refine((env) => env.MOVIE_RECO_CHALLENGER_MODE !== 'shadow' || env.MOVIE_RECO_CHALLENGER_SHARE === 0, {
    message: 'a shadow challenger serves no user: leave MOVIE_RECO_CHALLENGER_SHARE unset',
    path: ['MOVIE_RECO_CHALLENGER_SHARE'],
  });

const authFileSchema = z
  .object({
    read: z.array(z.string()).default([]),
    write: z.array(z.string()).default([]),
    admin: z.array(z.string()).default([]),
  })
  .strict();

/**
 * The service's settings from the environment, checked once at start. Credentials come from
 * MOVIE_RECO_AUTH_FILE (a mounted Secret: JSON {"read": [...], "write": [...], "admin": [...]})
 * or MOVIE_RECO_AUTH_READ / _WRITE / _ADMIN (comma-separated); each credential is
 * "basic:USER:PASSWORD" or "bearer:TOKEN". A scope with no credential is open, but for writes
 * with MOVIE_RECO_ANONYMOUS_WRITES=false, as the operator sets for a release without credentials.
 */
export function serveConfigFromEnv(env: NodeJS.ProcessEnv = process.env): ServeConfig {
  const result = envSchema.safeParse(env);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => `  ${issue.path.join('.') || 'environment'}: ${issue.message}`);
    throw new ConfigError(`invalid serve configuration:\n${lines.join('\n')}`);
  }
  const e = result.data;
  let s3: S3Config | undefined;
  try {
    s3 = s3ConfigFromEnv(env);
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
  return {
    host: e.MOVIE_RECO_HOST,
    port: e.MOVIE_RECO_PORT,
    modelUri: e.MOVIE_RECO_MODEL_URI,
    modelUriFile: e.MOVIE_RECO_MODEL_URI_FILE,
    modelDigest: e.MOVIE_RECO_MODEL_DIGEST,
    challenger:
      e.MOVIE_RECO_CHALLENGER_URI && e.MOVIE_RECO_CHALLENGER_MODE
        ? {
            source: { uri: e.MOVIE_RECO_CHALLENGER_URI, digest: e.MOVIE_RECO_CHALLENGER_DIGEST },
            settings: {
              mode: e.MOVIE_RECO_CHALLENGER_MODE,
              sharePercent: e.MOVIE_RECO_CHALLENGER_SHARE,
              delayMs: e.MOVIE_RECO_CHALLENGER_DELAY_MS,
            },
          }
        : undefined,
    databaseUrl: e.MOVIE_RECO_DATABASE_URL,
    databaseTimeoutMs: e.MOVIE_RECO_DATABASE_TIMEOUT_MS,
    drainSeconds: e.MOVIE_RECO_DRAIN_SECONDS,
    shutdownDelaySeconds: e.MOVIE_RECO_SHUTDOWN_DELAY_SECONDS,
    recommendationCacheSize: e.MOVIE_RECO_RECOMMENDATION_CACHE_SIZE,
    precompute: e.MOVIE_RECO_PRECOMPUTE === 'true',
    s3,
    auth: {
      ...(e.MOVIE_RECO_AUTH_FILE ? authFromFile(e.MOVIE_RECO_AUTH_FILE) : authFromEnv(e)),
      anonymousWrites: e.MOVIE_RECO_ANONYMOUS_WRITES === 'true',
    },
  };
}

function authFromEnv(e: {
  MOVIE_RECO_AUTH_READ?: string | undefined;
  MOVIE_RECO_AUTH_WRITE?: string | undefined;
  MOVIE_RECO_AUTH_ADMIN?: string | undefined;
}): Omit<AuthConfig, 'anonymousWrites'> {
  const list = (name: string, value: string | undefined) => {
    try {
      return parseCredentialList(
        value
          ? value
              .split(',')
              .map((s) => s.trim())
              .filter(Boolean)
          : [],
      );
    } catch (error) {
      throw new ConfigError(`${name}: ${(error as Error).message}`);
    }
  };
  return {
    read: list('MOVIE_RECO_AUTH_READ', e.MOVIE_RECO_AUTH_READ),
    write: list('MOVIE_RECO_AUTH_WRITE', e.MOVIE_RECO_AUTH_WRITE),
    admin: list('MOVIE_RECO_AUTH_ADMIN', e.MOVIE_RECO_AUTH_ADMIN),
  };
}

function authFromFile(path: string): Omit<AuthConfig, 'anonymousWrites'> {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError(`MOVIE_RECO_AUTH_FILE ${path}: ${(error as NodeJS.ErrnoException).code ?? 'invalid JSON'}`);
  }
  const parsed = authFileSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(
      `MOVIE_RECO_AUTH_FILE ${path}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  try {
    return {
      read: parseCredentialList(parsed.data.read),
      write: parseCredentialList(parsed.data.write),
      admin: parseCredentialList(parsed.data.admin),
    };
  } catch (error) {
    throw new ConfigError(`MOVIE_RECO_AUTH_FILE ${path}: ${(error as Error).message}`);
  }
}
