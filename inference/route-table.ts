import type Router from '@koa/router';
import type { Layer } from '@koa/router';
import type { Middleware } from 'koa';

/**
 * The router's dispatch, with the match of every parameterless path computed once.
 *
 * On each request @koa/router tests the path against every route's pattern and composes the
 * matched middleware anew: about 5 µs with this service's routes, a third of what a whole
 * hello-world Koa request costs. A path without parameters matches the same routes every time, so
 * for each such path and method the router's own match is taken at start and composed once; a
 * request for exactly that path and method runs it with the context the router would have set.
 * Every other request (parameters, another spelling of a path, an unknown one) goes through the
 * router as before. Call after every route is registered.
 */
export function routesWithExactPaths(router: Router): Middleware {
  const dispatch = router.routes() as Middleware;
  if (router.opts.host || router.opts.exclusive || router.opts.routerPath || router.opts.prefix) return dispatch;
  const exact = new Map<string, ExactRoute>();
  for (const layer of router.stack) {
    if (typeof layer.path !== 'string' || layer.paramNames.length > 0) continue;
    for (const method of layer.methods) {
      const key = `${method} ${layer.path}`;
      if (exact.has(key)) continue;
      const route = exactRoute(router, layer.path, method);
      if (route) exact.set(key, route);
    }
  }
  return (ctx, next) => {
    const route = exact.get(`${ctx.method} ${ctx.path}`);
    if (!route) return dispatch(ctx, next);
    // What the router's dispatch and its per-layer step set for a match without parameters.
    ctx.router = router;
    ctx.matched = ctx.matched ? [...ctx.matched, ...route.matched] : route.matched;
    ctx.routeMatched = true;
    ctx.captures = [];
    const params = {};
    ctx.params = params;
    (ctx.request as { params?: Record<string, string> }).params = params;
    ctx.routerPath = route.path;
    ctx.routerName = route.name;
    ctx._matchedRoute = route.path;
    if (route.name) ctx._matchedRouteName = route.name;
    return route.run(ctx, next);
  };
}

interface ExactRoute {
  path: string;
  name: string | undefined;
  matched: Layer[];
  run: (ctx: Parameters<Middleware>[0], next: () => Promise<unknown>) => Promise<unknown>;
}

/** The router's own match for one path and method, when it is a route whose layers take no parameters. */
function exactRoute(router: Router, path: string, method: string): ExactRoute | undefined {
  const match = router.match(path, method);
  // One route layer, without parameters: several, or a pattern that also matches this path, would
  // each set their own route and params as they run; those stay with the router.
  const [layer, ...others] = match.pathAndMethod;
  if (!layer || others.length > 0 || layer.methods.length === 0 || layer.paramNames.length > 0 || layer.path !== path)
    return undefined;
  return { path, name: layer.name, matched: match.path, run: inSequence(layer.stack as Middleware[]) };
}

/**
 * Koa's composition of a fixed list of middleware (koa-compose's contract: each `next` runs the
 * rest, the last calls the outer `next`, a throw becomes a rejection, and `next` runs once).
 */
export function inSequence(stack: readonly Middleware[]): ExactRoute['run'] {
  return (ctx, next) => {
    let called = -1;
    const step = (index: number): Promise<unknown> => {
      if (index <= called) return Promise.reject(new Error('next() called multiple times'));
      called = index;
      const middleware = stack[index];
      if (!middleware) return next();
      try {
        return Promise.resolve(middleware(ctx, () => step(index + 1)));
      } catch (error) {
        return Promise.reject(error);
      }
    };
    return step(0);
  };
}
