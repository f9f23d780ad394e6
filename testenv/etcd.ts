/** etcd for the local control plane: one member, loopback only, no fsync (its data is thrown away). */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, loopback } from './ports.ts';
import { startManaged, waitUntilReady, type ManagedProcess } from './processes.ts';

export interface EtcdServer {
  readonly url: string;
  readonly peerUrl: string;
  readonly process: ManagedProcess;
}

/** `again` starts it once more on the same data and ports, as a restarted member comes back. */
export async function startEtcd(binary: string, dir: string, again?: EtcdServer): Promise<EtcdServer> {
  const dataDir = join(dir, 'etcd-data');
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const url = again?.url ?? `http://${loopback}:${await freePort()}`;
  const peerUrl = again?.peerUrl ?? `http://${loopback}:${await freePort()}`;
  const args = [
    '--name=testenv',
    `--data-dir=${dataDir}`,
    `--listen-client-urls=${url}`,
    `--advertise-client-urls=${url}`,
    `--listen-peer-urls=${peerUrl}`,
    `--initial-advertise-peer-urls=${peerUrl}`,
    `--initial-cluster=testenv=${peerUrl}`,
    '--unsafe-no-fsync=true',
    '--log-level=warn',
  ];
  const process = startManaged('etcd', binary, args, { logFile: join(dir, 'etcd.log') });
  await waitUntilReady(
    process,
    async () => {
      const res = await fetch(`${url}/health`);
      return res.ok && ((await res.json()) as { health?: string }).health === 'true';
    },
    30_000,
  );
  return { url, peerUrl, process };
}
