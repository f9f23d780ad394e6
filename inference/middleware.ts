import type { Middleware } from 'koa';
import type { Logger } from '../common/log.ts';
import { HttpError } from './http-error.ts';
import type { ServiceMetrics } from './metrics.ts';

/**
 * One JSON log line and one histogram observation per request. The route is the router's
 * template (bounded cardinality), never the raw URL; no header is logged, so no credential is.
 */
export function observeRequests(metrics: ServiceMetrics, log: Logger): Middleware {
  // One histogram child per method, route and status, looked up by a string: prom-client would
  // otherwise hash the label object on every request. Bounded: routes are templates, and Node's
  // parser accepts only known methods.
  const durations = new Map<string, { observe(seconds: number): void }>();
  const durationOf = (method: string, route: string, status: number) => {
    const key = `${method} ${status} ${route}`;
    let child = durations.get(key);
    if (!child) {
      child = metrics.requestDuration.labels({ method, route, status_code: String(status) });
      durations.set(key, child);
    }
    return child;
  };
  return async (ctx, next) => {
    const started = performance.now();
    try {
      await next();
    } finally {
      const seconds = (performance.now() - started) / 1000;
      const route = (ctx._matchedRoute as string | undefined) ?? 'unmatched';
      const status = ctx.status;
      durationOf(ctx.method, route, status).observe(seconds);
      const fields = {
        method: ctx.method,
        route,
        path: ctx.path,
        status,
        durationMs: Math.round(seconds * 1e6) / 1e3,
        ...(ctx.state.principal ? { principal: ctx.state.principal } : {}),
      };
      if (status >= 500) log.warn('request', fields);
      else log.info('request', fields);
    }
  };
}

/** Turns every error into a JSON body: {"error": {"code", "message", "parameter"?}}. */
export function jsonErrors(log: Logger): Middleware {
  return async (ctx, next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) {
        throw new HttpError(404, 'not_found', `no route for ${ctx.method} ${ctx.path}`);
      }
    } catch (error) {
      const known = error instanceof HttpError;
      const status = known ? error.status : httpStatusOf(error);
      if (!known && status >= 500) log.error('unhandled error', { error, path: ctx.path });
      ctx.status = status;
      ctx.body = {
        error: {
          code: known ? error.code : (statusCodes[status] ?? (status >= 500 ? 'internal_error' : 'bad_request')),
          message: known || status < 500 ? (error as Error).message : 'internal error',
          ...(known && error.parameter ? { parameter: error.parameter } : {}),
        },
      };
    }
  };
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
export function onlyMethods(implemented: readonly string[], allow: readonly string[]): Middleware {
  const known = new Set(implemented);
  const allowHeader = allow.join(', ');
  return (ctx, next) => {
    if (known.has(ctx.method)) return next();
    ctx.set('Allow', allowHeader);
    throw new HttpError(405, 'method_not_allowed', `${ctx.method} is not supported`);
  };
}

/** HTTP/1.1 requires a Host header (RFC 9112 3.2): refused here, as Node would, but in JSON. */
export function requireHost(): Middleware {
  return (ctx, next) => {
    if (ctx.req.httpVersion === '1.1' && !ctx.get('host')) throw new HttpError(400, 'bad_request', 'an HTTP/1.1 request needs a Host header');
    return next();
  };
}
