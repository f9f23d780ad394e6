/** Whether each server of a running environment answers, from its MOVIE_RECO_TEST_* coordinates. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { httpsStatus } from './https-probe.ts';

export type Probe = { readonly server: string; readonly ok: boolean; readonly detail: string };

async function check(server: string, detail: string, probe: () => Promise<boolean>): Promise<Probe> {
  const ok = await probe().catch(() => false);
  return { server, ok, detail };
}

export async function probeServers(env: Record<string, string>): Promise<Probe[]> {
  const pki = join(env.MOVIE_RECO_TEST_ENV_DIR ?? '', 'pki');
  const apiserverTls = () => ({
    ca: readFileSync(join(pki, 'ca.crt')),
    cert: readFileSync(join(pki, 'admin.crt')),
    key: readFileSync(join(pki, 'admin.key')),
  });
  return Promise.all([
    check('mariadb', env.MOVIE_RECO_TEST_MYSQL_URL ?? '', async () => {
      const conn = await mysql.createConnection({ uri: env.MOVIE_RECO_TEST_MYSQL_URL, connectTimeout: 2000 });
      await conn.end();
      return true;
    }),
    check(
      'minio',
      env.MOVIE_RECO_TEST_S3_ENDPOINT ?? '',
      async () => (await fetch(`${env.MOVIE_RECO_TEST_S3_ENDPOINT}/minio/health/ready`)).ok,
    ),
    check(
      'etcd',
      env.MOVIE_RECO_TEST_ETCD_URL ?? '',
      async () => (await fetch(`${env.MOVIE_RECO_TEST_ETCD_URL}/health`)).ok,
    ),
    check(
      'kube-apiserver',
      env.MOVIE_RECO_TEST_KUBE_SERVER ?? '',
      async () => (await httpsStatus(`${env.MOVIE_RECO_TEST_KUBE_SERVER}/readyz`, apiserverTls())) === 200,
    ),
  ]);
}
