import { createServer, STATUS_CODES, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type Koa from 'koa';
import type { Logger } from '../common/log.ts';

export interface RunningServer {
  readonly server: Server;
  readonly port: number;
  /** Stops accepting, lets requests in flight finish (at most `drainSeconds`), then closes every connection. */
  drain(drainSeconds: number): Promise<void>;
}

export async function listen(app: Koa, host: string, port: number, log: Logger): Promise<RunningServer> {
  // Koa answers a missing Host itself (middleware.ts refuseMissingHost), in the JSON error shape.
  const server = createServer({ requireHostHeader: false }, app.callback());
  // Longer than a typical load balancer's idle timeout, so the balancer closes first and never
  // sends a request on a connection we are closing.
  server.keepAliveTimeout = 65_000;
  // A request Node's parser refuses (bad request line or framing, oversized headers) never
  // reaches Koa: answer it in the service's JSON error shape rather than Node's empty 400.
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    // As Node's own handler: never write into a response already under way on this connection.
    const inFlight = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (error.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent) {
      socket.destroy();
      return;
    }
    const status =
      error.code === 'HPE_HEADER_OVERFLOW'
        ? 431
        : error.code === 'HPE_CHUNK_EXTENSIONS_OVERFLOW'
          ? 413
          : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
            ? 408
            : 400;
    const code =
      { 431: 'headers_too_large', 413: 'body_too_large', 408: 'request_timeout' }[status as 431 | 413 | 408] ??
      'bad_request';
    const body = JSON.stringify({
      error: { code, message: `the request is not valid HTTP/1.1 (${error.code ?? 'parse error'})` },
    });
    // An answer to HEAD has no body, even this one.
    const head = (error as { rawPacket?: Buffer }).rawPacket?.subarray(0, 5).toString('latin1') === 'HEAD ';
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${head ? '' : body}`,
    );
  });
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
