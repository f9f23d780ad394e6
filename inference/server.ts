import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type Koa from 'koa';
import type { Logger } from '../common/log.ts';

export interface RunningServer {
  readonly server: Server;
  readonly port: number;
  /** Stops accepting, lets requests in flight finish (at most `drainSeconds`), then closes every connection. */
  drain(drainSeconds: number): Promise<void>;
}

export async function listen(app: Koa, host: string, port: number, log: Logger): Promise<RunningServer> {
  const server = createServer(app.callback());
  // Longer than a typical load balancer's idle timeout, so the balancer closes first and never
  // sends a request on a connection we are closing.
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  log.info('listening', { host, port: bound });
  return {
    server,
    port: bound,
    async drain(drainSeconds) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      // Keep-alive connections that go idle after their last response are closed as they do.
      const idleSweep = setInterval(() => server.closeIdleConnections(), 100);
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), drainSeconds * 1000);
      });
      const outcome = await Promise.race([closed.then(() => 'drained' as const), deadline]);
      clearInterval(idleSweep);
      clearTimeout(timer);
      if (outcome === 'timeout') {
        log.warn('drain deadline passed; closing the remaining connections', { drainSeconds });
        server.closeAllConnections();
        await closed;
      }
    },
  };
}
