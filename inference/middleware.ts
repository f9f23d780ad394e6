import type { Context, Middleware } from 'koa';
import type { Logger } from '../common/log.ts';
import { errorBody } from './api-shapes.ts';
import { HttpError } from './http-error.ts';
import { reply } from './json-response.ts';
import type { HistogramChild } from './fast-histogram.ts';
import type { ServiceMetrics } from './metrics.ts';
import { getOrInsert } from '../common/get-or-insert.ts';

export interface FrontDoorOptions {
  metrics: ServiceMetrics;
  log: Logger;
  /** False while the server drains. */
  isAcceptingTraffic: () => boolean;
  /** Methods some route implements; any other gets 405 with `allow`. */
  implementedMethods: readonly string[];
  allow: readonly string[];
}

/**
 * What every request goes through before the routes, as one middleware: each layer of Koa's chain
 * costs a dispatch and a promise per request, and the hot routes answer in microseconds.
 * In order: a connection-close hint while draining, the Host and method checks, the route, every
 * error turned into JSON, then one histogram observation and one log line.
 */
export function frontDoor(options: FrontDoorOptions): Middleware {
  const { log, isAcceptingTraffic } = options;
  const record = requestRecorder(options.metrics, log);
  const implemented = new Set(options.implementedMethods);
  const allowHeader = options.allow.join(', ');
  return async (ctx, next) => {
    const started = performance.now();
    try {
      // While shutting down, every answer tells keep-alive clients to reconnect (to another pod).
      if (!isAcceptingTraffic()) ctx.set('Connection', 'close');
      refuseMissingHost(ctx);
      refuseUnknownMethod(ctx, implemented, allowHeader);
      await next();
      if (ctx.status === 404 && ctx.body === undefined) {
        throw new HttpError(404, 'not_found', `no route for ${ctx.method} ${ctx.path}`);
      }
    } catch (error) {
      writeJsonError(ctx, error, log);
    } finally {
      record(ctx, (performance.now() - started) / 1000);
    }
  };
}

/**
 * One histogram observation and one JSON log line per request. The route is the router's template
 * (bounded cardinality), never the raw URL; no header is logged, so no credential is.
 */
function requestRecorder(metrics: ServiceMetrics, log: Logger): (ctx: Context, seconds: number) => void {
  // One histogram child per route, method and status, found through maps keyed by the router's
  // template and Node's method strings (their hashes are cached), so that no label object or key
  // string is built per request. Bounded: routes are templates, and Node's parser accepts only
  // known methods.
  const durations = new Map<string, Map<string, Map<number, HistogramChild>>>();
  const durationOf = (method: string, route: string, status: number) => {
    const byMethod = getOrInsert(durations, route, () => new Map<string, Map<number, HistogramChild>>());
    const byStatus = getOrInsert(byMethod, method, () => new Map<number, HistogramChild>());
    return getOrInsert(byStatus, status, () =>
      metrics.requestDuration.labels({ method, route, status_code: String(status) }),
    );
  };
  const requestLine = log.fixedLine('request', ['method', 'route', 'path', 'status', 'durationMs', 'principal']);
  return (ctx, seconds) => {
    const route = (ctx._matchedRoute as string | undefined) ?? 'unmatched';
    const status = ctx.status;
    durationOf(ctx.method, route, status).observe(seconds);
    const durationMs = Math.round(seconds * 1e6) / 1e3;
    requestLine(status >= 500 ? 'warn' : 'info', [
      ctx.method,
      route,
      ctx.path,
      status,
      durationMs,
      ctx.state.principal,
    ]);
  };
}

/** Every error as a JSON body: {"error": {"code", "message", "parameter"?}}. */
function writeJsonError(ctx: Context, error: unknown, log: Logger): void {
  const known = error instanceof HttpError;
  const status = known ? error.status : httpStatusOf(error);
  if (!known && status >= 500) log.error('unhandled error', { error, path: ctx.path });
  reply(
    ctx,
    errorBody,
    {
      error: {
        code: known ? error.code : (statusCodes[status] ?? (status >= 500 ? 'internal_error' : 'bad_request')),
        message: known || status < 500 ? (error as Error).message : 'internal error',
        ...(known && error.parameter ? { parameter: error.parameter } : {}),
      },
    },
    status,
  );
}

const statusCodes: Record<number, string> = { 404: 'not_found', 405: 'method_not_allowed', 501: 'not_implemented' };

function httpStatusOf(error: unknown): number {
  const status = (error as { status?: unknown }).status;
  return typeof status === 'number' && status >= 400 && status < 600 ? status : 500;
}

/**
 * 405 for a method no route implements (PROPFIND, LOCK, TRACE...), where the router would answer
 * 501: an odd method is the client's mistake, and a 5xx would count against the service's error
 * ratio (the MovieRecoInferenceErrorRatioHigh alert) whenever a scanner passes by.
 */
function refuseUnknownMethod(ctx: Context, implemented: ReadonlySet<string>, allowHeader: string): void {
  if (implemented.has(ctx.method)) return;
  ctx.set('Allow', allowHeader);
  throw new HttpError(405, 'method_not_allowed', `${ctx.method} is not supported`);
}

/** HTTP/1.1 requires a Host header (RFC 9112 3.2): refused here, as Node would, but in JSON. */
function refuseMissingHost(ctx: Context): void {
  if (ctx.req.httpVersion === '1.1' && !ctx.req.headers.host)
    throw new HttpError(400, 'bad_request', 'an HTTP/1.1 request needs a Host header');
}
