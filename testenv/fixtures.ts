/**
 * What integration tests ask of the test environment. The vitest global setup (testenv/)
 * starts the servers once per run and exports their coordinates as MOVIE_RECO_TEST_* variables;
 * tests only read them through these helpers.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import * as Minio from 'minio';
import mysql from 'mysql2/promise';
import { startKubeControllerManager } from './kube-controller-manager.ts';
import { writeKubeconfig } from './kubeconfig.ts';
import { clientCertificate } from './pki.ts';

export interface TestDatabase {
  /** mysql://user:pass@host:port/database */
  readonly url: string;
  readonly database: string;
  drop(): Promise<void>;
}

/** A MOVIE_RECO_TEST_* coordinate; missing means the test runs outside the integration projects. */
export function testEnv(name: string): string {
  const value = process.env[name];
  if (!value) {
    throw new Error(
      `${name} is not set. Integration tests (*.int.test.ts) run in the vitest "integration" project, ` +
        `whose global setup starts the servers: npm test, or npx vitest run --project integration. ` +
        `Against servers started by hand: eval "$(npm run -s testenv -- env)".`,
    );
  }
  return value;
}

const uniqueName = (prefix: string, separator: string) =>
  `${prefix.toLowerCase().replace(/[^a-z0-9]+/g, separator)}${separator}${randomBytes(4).toString('hex')}`;

// ---- MariaDB ----

export function mysqlServerUrl(): string {
  return process.env.MOVIE_RECO_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';
}

/** A fresh, uniquely named database on the test MariaDB; `drop()` removes it. */
export async function createTestDatabase(prefix = 'test'): Promise<TestDatabase> {
  const server = new URL(mysqlServerUrl());
  const database = `mr_${prefix.replace(/[^a-z0-9_]/gi, '_')}_${randomBytes(4).toString('hex')}`;
  const admin = await mysql.createConnection(server.toString());
  try {
    await admin.query(`CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4`);
  } finally {
    await admin.end();
  }
  const url = new URL(server.toString());
  url.pathname = `/${database}`;
  return {
    url: url.toString(),
    database,
    async drop() {
      const conn = await mysql.createConnection(server.toString());
      try {
        await conn.query(`DROP DATABASE IF EXISTS \`${database}\``);
      } finally {
        await conn.end();
      }
    },
  };
}

// ---- MinIO (S3) ----

export interface S3Coordinates {
  /** http://127.0.0.1:PORT */
  readonly endpoint: string;
  readonly accessKey: string;
  readonly secretKey: string;
}

export function s3Coordinates(): S3Coordinates {
  return {
    endpoint: testEnv('MOVIE_RECO_TEST_S3_ENDPOINT'),
    accessKey: testEnv('MOVIE_RECO_TEST_S3_ACCESS_KEY'),
    secretKey: testEnv('MOVIE_RECO_TEST_S3_SECRET_KEY'),
  };
}

export function s3Client(): Minio.Client {
  const { endpoint, accessKey, secretKey } = s3Coordinates();
  const url = new URL(endpoint);
  return new Minio.Client({
    endPoint: url.hostname,
    port: Number(url.port),
    useSSL: url.protocol === 'https:',
    accessKey,
    secretKey,
  });
}

export interface TestBucket {
  readonly name: string;
  readonly client: Minio.Client;
  /** Reads an object, lets `change` alter its bytes in place, writes it back (a corrupted artifact). */
  rewrite(key: string, change: (bytes: Buffer) => void): Promise<void>;
  /** Deletes every object, then the bucket. */
  remove(): Promise<void>;
}

export async function createTestBucket(prefix = 'test'): Promise<TestBucket> {
  const client = s3Client();
  const name = uniqueName(`mr-${prefix}`, '-').slice(0, 63);
  await client.makeBucket(name);
  return {
    name,
    client,
    async rewrite(key, change) {
      const chunks: Buffer[] = [];
      for await (const chunk of await client.getObject(name, key)) chunks.push(chunk as Buffer);
      const bytes = Buffer.concat(chunks);
      change(bytes);
      await client.putObject(name, key, bytes);
    },
    async remove() {
      const names: string[] = [];
      for await (const item of client.listObjectsV2(name, '', true)) if (item.name) names.push(item.name);
      if (names.length > 0) await client.removeObjects(name, names);
      await client.removeBucket(name);
    },
  };
}

// ---- Kubernetes ----

export function kubeconfigPath(): string {
  return testEnv('MOVIE_RECO_TEST_KUBECONFIG');
}

/** A KubeConfig for the admin user (group system:masters) of the test kube-apiserver. */
export function adminKubeConfig(): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(kubeconfigPath());
  return kc;
}

export interface TestNamespace {
  readonly name: string;
  /** Without kube-controller-manager a deleted namespace stays Terminating; harmless here. */
  delete(): Promise<void>;
}

export async function createTestNamespace(
  prefix = 'test',
  labels: Record<string, string> = {},
): Promise<TestNamespace> {
  const core = adminKubeConfig().makeApiClient(k8s.CoreV1Api);
  const name = uniqueName(prefix, '-').slice(0, 63);
  await core.createNamespace({ body: { metadata: { name, labels } } });
  return {
    name,
    async delete() {
      await core.deleteNamespace({ name }).catch(() => {});
    },
  };
}

export interface TestUser {
  /** The username RBAC sees, e.g. system:serviceaccount:ns:name. */
  readonly username: string;
  readonly kubeConfig: k8s.KubeConfig;
  /** A kubeconfig file for kubectl or helm. */
  readonly kubeconfigPath: string;
}

function userKubeconfigFile(name: string): string {
  return join(mkdtempSync(join(testEnv('MOVIE_RECO_TEST_ENV_DIR'), 'user-')), `${name}.kubeconfig`);
}

function loadKubeConfig(path: string): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(path);
  return kc;
}

/**
 * A ServiceAccount (created if absent) and a short-lived token for it from the TokenRequest API,
 * the way a pod's projected token is made; RBAC sees system:serviceaccount:<namespace>:<name>.
 */
export async function serviceAccountUser(namespace: string, name: string, expirationSeconds = 3600): Promise<TestUser> {
  const core = adminKubeConfig().makeApiClient(k8s.CoreV1Api);
  await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name } } }).catch((err: unknown) => {
    if (!(err instanceof k8s.ApiException && err.code === 409)) throw err;
  });
  const request = await core.createNamespacedServiceAccountToken({
    namespace,
    name,
    body: { spec: { audiences: [], expirationSeconds } },
  });
  const token = request.status?.token;
  if (!token) throw new Error(`TokenRequest for ${namespace}/${name} returned no token`);
  const username = `system:serviceaccount:${namespace}:${name}`;
  const path = writeKubeconfig(
    userKubeconfigFile(name),
    testEnv('MOVIE_RECO_TEST_KUBE_SERVER'),
    testEnv('MOVIE_RECO_TEST_KUBE_CA_CERT'),
    username,
    { token },
  );
  return { username, kubeConfig: loadKubeConfig(path), kubeconfigPath: path };
}

/** A user authenticated by a client certificate from the test CA (CN = user, O = each group). */
export async function certificateUser(username: string, groups: string[] = []): Promise<TestUser> {
  const path = userKubeconfigFile('cert-user');
  const dir = join(path, '..');
  const ca = { cert: testEnv('MOVIE_RECO_TEST_KUBE_CA_CERT'), key: testEnv('MOVIE_RECO_TEST_KUBE_CA_KEY') };
  const { cert, key } = await clientCertificate(dir, ca, 'client', username, groups);
  writeKubeconfig(path, testEnv('MOVIE_RECO_TEST_KUBE_SERVER'), ca.cert, username, {
    clientCert: cert,
    clientKey: key,
  });
  return { username, kubeConfig: loadKubeConfig(path), kubeconfigPath: path };
}

export interface RunningControllerManager {
  stop(): Promise<void>;
}

/**
 * kube-controller-manager for this test file (Deployment, ReplicaSet, Job, GC... controllers),
 * unless the environment already runs one (`testenv up --with-controller-manager`). Start it in
 * beforeAll and stop it in afterAll; it dies with the worker in any case.
 */
export async function startControllerManager(): Promise<RunningControllerManager> {
  if (process.env.MOVIE_RECO_TEST_CONTROLLER_MANAGER === 'running') return { stop: async () => {} };
  if (process.env.MOVIE_RECO_TEST_CLUSTER_CONTROLLERS !== 'alone')
    throw new Error(
      "kube-controller-manager acts on every namespace: list this file in vitest.config.ts's clusterControllerFiles",
    );
  const dir = mkdtempSync(join(testEnv('MOVIE_RECO_TEST_ENV_DIR'), 'kcm-'));
  const kcm = await startKubeControllerManager(
    {
      binary: testEnv('MOVIE_RECO_TEST_KUBE_CONTROLLER_MANAGER_BIN'),
      kubeconfig: kubeconfigPath(),
      caCert: testEnv('MOVIE_RECO_TEST_KUBE_CA_CERT'),
      serviceAccountKey: testEnv('MOVIE_RECO_TEST_KUBE_SA_KEY'),
    },
    dir,
  );
  return { stop: () => kcm.process.stop() };
}

// ---- CLIs ----

export function helmBinary(): string {
  return testEnv('MOVIE_RECO_TEST_HELM_BIN');
}

export function promtoolBinary(): string {
  return testEnv('MOVIE_RECO_TEST_PROMTOOL_BIN');
}

export function prometheusBinary(): string {
  return testEnv('MOVIE_RECO_TEST_PROMETHEUS_BIN');
}
