/**
 * The whole test environment: MariaDB, MinIO, etcd + kube-apiserver (and kube-controller-manager
 * when asked), plus the helm and promtool binaries, described to tests by MOVIE_RECO_TEST_*
 * variables. One temporary folder holds every server's data, certificates and logs; it goes away
 * with the environment, even if the owning process dies (see leash.ts).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, type Logger } from '../common/log.ts';
import { resolveAllBinaries, type BinaryPaths } from './binaries.ts';
import { startEtcd } from './etcd.ts';
import { startKubeApiServer } from './kube-apiserver.ts';
import { startKubeControllerManager } from './kube-controller-manager.ts';
import { provideMariaDb } from './mariadb.ts';
import { startMinio } from './minio.ts';
import { startNode, type TestNode } from './node/node.ts';
import { createControlPlanePki } from './pki.ts';
import { startManaged, type ManagedProcess } from './processes.ts';

export interface TestEnvironmentOptions {
  readonly controllerManager?: boolean;
  /** A real node (testenv/node): containerd, kubelet, kube-scheduler, kube-proxy; implies the controller manager. */
  readonly node?: boolean;
  readonly log?: Logger;
}

export interface TestEnvironment {
  readonly dir: string;
  /** MOVIE_RECO_TEST_* coordinates for the tests (read by testenv/fixtures.ts). */
  readonly env: Record<string, string>;
  readonly binaries: BinaryPaths;
  stop(): Promise<void>;
}

/** Names the server in a failure, so the message says what is missing before why. */
async function providing<T>(what: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (err) {
    throw new Error(`testenv: could not provide ${what}: ${(err as Error).message}`, { cause: err });
  }
}

export async function startTestEnvironment(options: TestEnvironmentOptions = {}): Promise<TestEnvironment> {
  const log = options.log ?? createLogger({ component: 'testenv' });
  const started = Date.now();
  const binaries = await providing('the server binaries', () => resolveAllBinaries(log));

  const dir = mkdtempSync(join(tmpdir(), 'movie-reco-testenv-'));
  const janitor = startManaged('janitor', undefined, [], { logFile: '/dev/null', remove: [dir] });
  const running: ManagedProcess[] = [];
  let node: TestNode | undefined;
  const stop = async () => {
    try {
      await node?.stop();
    } finally {
      await Promise.all(running.map((proc) => proc.stop()));
      await janitor.stop();
    }
  };

  try {
    const pki = await providing('certificates (openssl)', () => createControlPlanePki(join(dir, 'pki')));
    const controlPlane = (async () => {
      const etcd = await providing('etcd', () => startEtcd(binaries.etcd, dir));
      running.push(etcd.process);
      const apiserver = await providing('kube-apiserver', () =>
        startKubeApiServer(binaries['kube-apiserver'], dir, etcd.url, pki, { serviceAccountTokens: options.node }),
      );
      running.push(apiserver.process);
      return { etcd, apiserver };
    })();
    const minio = providing('MinIO', () => startMinio(binaries.minio, dir)).then((server) => {
      running.push(server.process);
      return server;
    });
    const mariadb = providing('MariaDB', () => provideMariaDb(dir)).then((server) => {
      if (server.process) running.push(server.process);
      return server;
    });
    // allSettled: stop() must not run while another server is still starting.
    const settled = await Promise.allSettled([controlPlane, minio, mariadb]);
    const failure = settled.find((result) => result.status === 'rejected');
    if (failure) throw failure.reason;
    const [{ etcd, apiserver }, s3, db] = await Promise.all([controlPlane, minio, mariadb]);

    const env: Record<string, string> = {
      MOVIE_RECO_TEST_ENV_DIR: dir,
      MOVIE_RECO_TEST_MYSQL_URL: db.url,
      MOVIE_RECO_TEST_S3_ENDPOINT: s3.endpoint,
      MOVIE_RECO_TEST_S3_ACCESS_KEY: s3.accessKey,
      MOVIE_RECO_TEST_S3_SECRET_KEY: s3.secretKey,
      MOVIE_RECO_TEST_ETCD_URL: etcd.url,
      MOVIE_RECO_TEST_KUBE_SERVER: apiserver.url,
      MOVIE_RECO_TEST_KUBECONFIG: apiserver.adminKubeconfig,
      MOVIE_RECO_TEST_KUBE_CA_CERT: pki.caCert,
      MOVIE_RECO_TEST_KUBE_CA_KEY: pki.caKey,
      MOVIE_RECO_TEST_KUBE_SA_KEY: pki.serviceAccountKey,
      MOVIE_RECO_TEST_KUBE_CONTROLLER_MANAGER_BIN: binaries['kube-controller-manager'],
      MOVIE_RECO_TEST_HELM_BIN: binaries.helm,
      MOVIE_RECO_TEST_PROMTOOL_BIN: binaries.promtool,
      MOVIE_RECO_TEST_PROMETHEUS_BIN: binaries.prometheus,
    };
    if (options.controllerManager || options.node) {
      const kcm = await providing('kube-controller-manager', () =>
        startKubeControllerManager(
          {
            binary: binaries['kube-controller-manager'],
            kubeconfig: apiserver.adminKubeconfig,
            caCert: pki.caCert,
            serviceAccountKey: pki.serviceAccountKey,
          },
          dir,
        ),
      );
      running.push(kcm.process);
      env.MOVIE_RECO_TEST_CONTROLLER_MANAGER = 'running';
    }
    if (options.node) {
      const ca = { cert: pki.caCert, key: pki.caKey };
      const nodeInputs = {
        dir: join(dir, 'node'),
        apiServerUrl: apiserver.url,
        adminKubeconfig: apiserver.adminKubeconfig,
      };
      node = await providing('the node', () => startNode({ ...nodeInputs, ca, log }));
      env.MOVIE_RECO_TEST_NODE = node.name;
      env.MOVIE_RECO_TEST_CONTAINERD_SOCKET = node.containerdSocket;
    }
    log.info('test environment up', { seconds: (Date.now() - started) / 1000, dir, mariadb: db.source });
    return { dir, env, binaries, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
