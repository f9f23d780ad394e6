import { createLogger } from '../common/log.ts';
import { serveConfigFromEnv } from '../inference/config.ts';
import { startService } from '../inference/service.ts';
import { UsageError } from './usage-error.ts';

export const serveHelp = `movie-reco serve

The inference service (the inference pods' process): loads and verifies a model artifact, then
answers /v1/recommendations, /v1/predict, /v1/movies/:id/similar, /v1/ratings, /v1/model,
/healthz, /readyz, /metrics, /docs and /openapi.json. Configured by the environment:

  MOVIE_RECO_MODEL_URI          artifact folder: s3://bucket/model/run, file:///path or a path
  MOVIE_RECO_MODEL_DIGEST       expected sha256:<hex> of its manifest (optional, recommended)
  MOVIE_RECO_MODEL_URI_FILE     instead of the two above: a file with the URI (and digest on a
                                second line), watched; a change swaps the model without downtime
  MOVIE_RECO_CHALLENGER_URI, MOVIE_RECO_CHALLENGER_DIGEST   a second artifact, verified the same way,
                                served beside the champion during a rollout (a failed load leaves
                                the champion serving every user)
  MOVIE_RECO_CHALLENGER_MODE    shadow (answers every user unseen) or canary (serves a share of users)
  MOVIE_RECO_CHALLENGER_SHARE   canary: percent of users (1-100), split by a stable hash of the user id
  MOVIE_RECO_S3_ENDPOINT, MOVIE_RECO_S3_ACCESS_KEY, MOVIE_RECO_S3_SECRET_KEY   for s3:// URIs
  MOVIE_RECO_DATABASE_URL       mysql://user:password@host:port/db or sqlite://path (movies, ratings)
  MOVIE_RECO_HOST, MOVIE_RECO_PORT                  default 0.0.0.0:8080
  MOVIE_RECO_AUTH_FILE          JSON {"read": [...], "write": [...], "admin": [...]} (a mounted Secret)
  MOVIE_RECO_AUTH_READ, _WRITE, _ADMIN              or comma-separated lists; each credential is
                                basic:USER:PASSWORD or bearer:TOKEN; a scope without any is open
  MOVIE_RECO_ANONYMOUS_WRITES   false: an open write scope refuses every write instead (default true)
  MOVIE_RECO_DATABASE_TIMEOUT_MS  answer 503 when a rating is not committed by then (default 5000)
  MOVIE_RECO_SHUTDOWN_DELAY_SECONDS  on SIGTERM, how long to keep answering (readiness failing,
                                Connection: close) so endpoints drop the pod first (default 5)
  MOVIE_RECO_DRAIN_SECONDS      then, how long requests in flight may take (default 20)
  MOVIE_RECO_RECOMMENDATION_CACHE_SIZE  users whose answers are kept (default 200000)
  MOVIE_RECO_PRECOMPUTE         true (default): after each load, fill that cache for every known
                                user in the background, between requests
  LOG_LEVEL                     debug, info (default), warn, error
  NODE_OPTIONS                  the inference pods set --max-semi-space-size=16 (inference/node-options.ts):
                                V8's default young generation grows to 64 MB and slows every request`;

/** `movie-reco serve`: runs until SIGTERM or SIGINT, then drains and exits 0. */
export async function serveCommand(argv: string[]): Promise<number> {
  if (argv.length > 0)
    throw new UsageError(`serve takes no arguments (configuration comes from the environment), got ${argv.join(' ')}`);
  const log = createLogger({ component: 'serve' });
  const config = serveConfigFromEnv();
  const service = await startService(config, log);
  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      log.info('draining', {
        signal,
        shutdownDelaySeconds: config.shutdownDelaySeconds,
        drainSeconds: config.drainSeconds,
      });
      resolve();
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
    process.on('SIGHUP', () => {
      if (!config.modelUri) return;
      log.info('SIGHUP: reloading the model', { uri: config.modelUri });
      void service.holder.swap({ uri: config.modelUri, digest: config.modelDigest }).catch(() => {});
    });
  });
  await service.stop();
  log.info('stopped');
  return 0;
}
