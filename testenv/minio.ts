/** MinIO (S3) on a free loopback port with a temporary data folder and generated root credentials. */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, loopback } from './ports.ts';
import { startManaged, waitUntilReady, type ManagedProcess } from './processes.ts';

export interface MinioServer {
  readonly endpoint: string;
  readonly accessKey: string;
  readonly secretKey: string;
  readonly process: ManagedProcess;
  readonly port: number;
  readonly consolePort: number;
}

/**
 * MinIO with its data in `dir/minio-data`. `again` starts it once more on the same folder, ports
 * and credentials (after a stop or a crash), as a restarted server would come back.
 */
export async function startMinio(binary: string, dir: string, again?: MinioServer): Promise<MinioServer> {
  const dataDir = join(dir, 'minio-data');
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const [port, consolePort] = again ? [again.port, again.consolePort] : [await freePort(), await freePort()];
  const endpoint = `http://${loopback}:${port}`;
  const accessKey = again?.accessKey ?? `testenv-${randomBytes(4).toString('hex')}`;
  const secretKey = again?.secretKey ?? randomBytes(18).toString('base64url');
  const env = {
    ...process.env,
    MINIO_ROOT_USER: accessKey,
    MINIO_ROOT_PASSWORD: secretKey,
    MINIO_BROWSER: 'off',
    // No update checks and no call home: nothing may leave loopback.
    MINIO_UPDATE: 'off',
    MINIO_CALLHOME_ENABLE: 'off',
  };
  const args = [
    'server',
    dataDir,
    '--address',
    `${loopback}:${port}`,
    '--console-address',
    `${loopback}:${consolePort}`,
    '--quiet',
  ];
  const proc = startManaged('minio', binary, args, { logFile: join(dir, 'minio.log'), env });
  await waitUntilReady(proc, async () => (await fetch(`${endpoint}/minio/health/ready`)).ok, 60_000);
  return { endpoint, accessKey, secretKey, process: proc, port, consolePort };
}
