/** Free TCP ports on the loopback interface, the only interface the test servers use. */
import { createServer } from 'node:net';

export const loopback = '127.0.0.1';

/** A port the kernel just handed out on 127.0.0.1 (the same race envtest accepts). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, loopback, () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('no port assigned'));
      });
    });
  });
}
