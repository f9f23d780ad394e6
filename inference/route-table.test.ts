import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Router from '@koa/router';
import Koa, { type Middleware } from 'koa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inSequence, routesWithExactPaths } from './route-table.ts';

/** One router, served twice: through the router's own dispatch and through the exact-path table. */
function buildRouter(trace: string[]): Router {
  const router = new Router();
  const tag =
    (name: string): Middleware =>
    (ctx, next) => {
      trace.push(`${name} ${ctx.method} ${ctx.path}`);
      return next();
    };
  const answer: Middleware = (ctx) => {
    ctx.body = {
      route: ctx._matchedRoute,
      params: ctx.params,
      routerPath: ctx.routerPath,
      matched: (ctx.matched as unknown[]).length,
    };
  };
  router.get('/v1/predict', tag('auth'), answer);
  router.post('/v1/predict', answer);
  router.get('/v1/movies/:movieId/similar', tag('auth'), answer);
  // a path registered twice: the router runs both layers in turn, the first passing on
  router.get('/twice', tag('first'), (_ctx, next) => next());
  router.get('/twice', answer);
  router.get('/boom', () => {
    throw new Error('boom');
  });
  router.get('/async', async (ctx) => {
    await new Promise((resolve) => setTimeout(resolve, 5));
    ctx.body = { later: true };
  });
  return router;
}

/** Paths the router matched at request time (after the table was built). */
const matchedLive: string[] = [];

async function serve(dispatch: 'router' | 'table', trace: string[]): Promise<Server> {
  const app = new Koa();
  app.silent = true;
  const router = buildRouter(trace);
  app.use(async (ctx, next) => {
    try {
      await next();
      if (ctx.body === undefined) ctx.body = { fellThrough: true };
    } catch (error) {
      ctx.status = 500;
      ctx.body = { error: (error as Error).message };
    }
  });
  app.use(dispatch === 'table' ? routesWithExactPaths(router) : router.routes());
  if (dispatch === 'table') {
    const match = router.match.bind(router);
    router.match = (path, method) => {
      matchedLive.push(`${method} ${path}`);
      return match(path, method);
    };
  }
  app.use(router.allowedMethods());
  const server = createServer(app.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

describe('routesWithExactPaths', () => {
  const traces = { router: [] as string[], table: [] as string[] };
  let viaRouter: Server;
  let viaTable: Server;
  beforeAll(async () => {
    viaRouter = await serve('router', traces.router);
    viaTable = await serve('table', traces.table);
  });
  afterAll(() => {
    viaRouter.close();
    viaTable.close();
  });

  const call = async (server: Server, method: string, path: string) => {
    const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`, { method });
    return {
      status: response.status,
      allow: response.headers.get('allow'),
      body: method === 'HEAD' ? '' : await response.text(),
    };
  };

  it('answers every request exactly as the router does, middleware order and context included', async () => {
    const requests: [string, string][] = [
      ['GET', '/v1/predict?userId=1'],
      ['HEAD', '/v1/predict'],
      ['POST', '/v1/predict'],
      ['DELETE', '/v1/predict'],
      ['GET', '/v1/predict/'],
      ['GET', '/V1/Predict'],
      ['GET', '/v1/movies/42/similar'],
      ['GET', '/twice'],
      ['GET', '/boom'],
      ['GET', '/async'],
      ['GET', '/nowhere'],
    ];
    for (const [method, path] of requests) {
      traces.router.length = 0;
      traces.table.length = 0;
      const expected = await call(viaRouter, method, path);
      expect(await call(viaTable, method, path), `${method} ${path}`).toEqual(expected);
      expect(traces.table).toEqual(traces.router);
    }
    matchedLive.length = 0;
    for (const path of ['/v1/predict', '/v1/movies/42/similar', '/twice', '/v1/predict/'])
      await call(viaTable, 'GET', path);
    // the parameterless single-route path skipped the router; the others went through it
    expect(matchedLive).toEqual(['GET /v1/movies/42/similar', 'GET /twice', 'GET /v1/predict/']);
    expect(JSON.parse((await call(viaTable, 'GET', '/v1/predict')).body)).toEqual({
      route: '/v1/predict',
      params: {},
      routerPath: '/v1/predict',
      matched: 2,
    });
    expect(JSON.parse((await call(viaTable, 'GET', '/v1/movies/42/similar')).body).params).toEqual({ movieId: '42' });
  });
});

describe('inSequence', () => {
  it('runs the middleware in order around the outer next, and refuses a second next()', async () => {
    const order: string[] = [];
    const run = inSequence([
      async (_ctx, next) => {
        order.push('a in');
        await next();
        order.push('a out');
      },
      (_ctx, next) => {
        order.push('b');
        return next();
      },
    ]);
    await run({} as never, async () => {
      order.push('outer');
    });
    expect(order).toEqual(['a in', 'b', 'outer', 'a out']);
    const twice = inSequence([
      async (_ctx, next) => {
        await next();
        await next();
      },
    ]);
    await expect(twice({} as never, async () => {})).rejects.toThrow(/multiple times/);
  });

  it('turns a synchronous throw into a rejection', async () => {
    const run = inSequence([
      () => {
        throw new Error('sync');
      },
    ]);
    await expect(run({} as never, async () => {})).rejects.toThrow('sync');
  });
});
