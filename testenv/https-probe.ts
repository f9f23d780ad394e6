/** Status code of an HTTPS GET, for readiness probes of servers with their own certificates. */
import { request, type RequestOptions } from 'node:https';

export function httpsStatus(
  url: string,
  tls: Pick<RequestOptions, 'ca' | 'cert' | 'key' | 'rejectUnauthorized'>,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ...tls, timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}
