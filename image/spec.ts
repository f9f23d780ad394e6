/**
 * What the image holds and how it runs. The Dockerfile describes the same image for users with
 * Docker; image/dockerfile.test.ts keeps the two in step.
 */
export const imageName = 'movie-reco';

export const imageWorkdir = '/app';

/** How a container of the image runs, less the labels that name the build. */
export const imageRuntime = {
  /** Numeric and non-root, so `runAsNonRoot` can be verified (the chart runs it as 10001). */
  user: '10001:10001',
  entrypoint: ['movie-reco'],
  workingDir: imageWorkdir,
  env: {
    PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    NODE_ENV: 'production',
    MOVIE_RECO_CACHE: '/tmp/movie-reco',
  },
} as const;

/** Copied from the source tree into /app (as the Dockerfile's COPY lines, less its .dockerignore). */
export const appSources = [
  'package.json',
  'bin',
  'cli',
  'common',
  'data',
  'model',
  'storage',
  'trainer',
  'inference',
  'operator',
] as const;

/** Made by `npm run prepare` and copied too (the Dockerfile builds them in its first stage). */
export const builtArtifacts = { kernels: 'model/kernel', webBundle: 'inference/web/dist' } as const;

/** The Debian base: bookworm, as the Dockerfile's node:24-bookworm-slim. */
export const baseSystem = {
  suite: 'bookworm',
  variant: 'minbase',
  include: ['ca-certificates', 'tzdata'],
} as const;
