/**
 * The project's image as a container on a real node (containerd + kubelet), under the restricted
 * Pod Security profile, on a control plane of its own (own-control-plane.ts).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { Client } from 'minio';
import { createConnection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../common/log.ts';
import { type BuiltImage, buildImage } from '../../image/build.ts';
import { waitFor } from '../poll.ts';
import { mariadbImage, minioImage } from './dependency-images.ts';
import { type ClusterWithNode, startClusterWithNode } from './own-control-plane.ts';

const log = createLogger({ component: 'node-test' }, { level: 'warn' });
const dir = mkdtempSync(join(tmpdir(), 'movie-reco-node-'));
let cluster: ClusterWithNode | undefined;
let image: BuiltImage;
let core: k8s.CoreV1Api;

beforeAll(async () => {
  cluster = await startClusterWithNode(dir, log);
  image = await buildImage(log, { outDir: join(dir, 'image') });
  await cluster.node.importImage(image.archive);
  const kubeConfig = new k8s.KubeConfig();
  kubeConfig.loadFromFile(cluster.adminKubeconfig);
  core = kubeConfig.makeApiClient(k8s.CoreV1Api);
}, 1_200_000);

afterAll(async () => {
  await cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
}, 120_000);

/** A namespace under restricted Pod Security, and a pod in it as `uid`, every container hardened. */
async function createRestrictedPod(namespace: string, uid: number, spec: k8s.V1PodSpec): Promise<void> {
  const restricted = { 'pod-security.kubernetes.io/enforce': 'restricted' };
  await core.createNamespace({ body: { metadata: { name: namespace, labels: restricted } } });
  // Pods are admitted once the controller manager has made the namespace's ServiceAccount.
  await waitFor(`the default ServiceAccount of ${namespace}`, () =>
    core.readNamespacedServiceAccount({ name: 'default', namespace }).then(
      () => true,
      () => false,
    ),
  );
  const hardened = { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } };
  const podSecurity = { runAsUser: uid, runAsGroup: uid, fsGroup: uid, runAsNonRoot: true };
  await core.createNamespacedPod({
    namespace,
    body: {
      metadata: { name: namespace },
      spec: {
        ...spec,
        automountServiceAccountToken: false,
        securityContext: { ...podSecurity, seccompProfile: { type: 'RuntimeDefault' } },
        containers: spec.containers.map((c) => ({ ...c, imagePullPolicy: 'Never', securityContext: hardened })),
      },
    },
  });
}

async function readyPodIp(namespace: string): Promise<string> {
  return waitFor(
    `pod ${namespace} Ready`,
    async () => {
      const pod = await core.readNamespacedPod({ name: namespace, namespace });
      return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') && pod.status.podIP;
    },
    { timeoutMs: 300_000, intervalMs: 250 },
  );
}

const probeScript = [
  "console.log('uid', process.getuid());",
  "try { require('node:fs').writeFileSync('/probe', 'x'); console.log('wrote to /'); }",
  "catch (err) { console.log('write to / failed:', err.code); }",
].join(' ');

describe('the image on a real node', () => {
  it('runs movie-reco --help as uid 10001 on a read-only root filesystem, under restricted Pod Security', async () => {
    const namespace = 'image-on-node';
    await createRestrictedPod(namespace, 10001, {
      restartPolicy: 'Never',
      containers: [
        { image: image.reference, name: 'help', args: ['--help'] },
        { image: image.reference, name: 'probe', command: ['node', '-e', probeScript] },
      ],
    });
    const pod = await waitFor(
      'the pod to finish',
      async () => {
        const current = await core.readNamespacedPod({ name: namespace, namespace });
        return ['Succeeded', 'Failed'].includes(current.status?.phase ?? '') && current;
      },
      { timeoutMs: 180_000, intervalMs: 250 },
    );
    expect(pod.status?.phase).toBe('Succeeded');
    expect(pod.spec?.nodeName).toBe(cluster?.node.name);
    const logs = async (name: string) => core.readNamespacedPodLog({ name: namespace, namespace, container: name });
    expect(await logs('help')).toMatch(/^Usage: movie-reco <command>/m);
    const probe = await logs('probe');
    expect(probe).toContain('uid 10001');
    expect(probe).toContain('write to / failed: EROFS');
  }, 300_000);

  it("runs the chart's MinIO as uid 1000 on a read-only root, serving S3 at its pod's address", async () => {
    const namespace = 'minio-on-node';
    const minio = await minioImage(log);
    await cluster?.node.importImage(minio.archive);
    const credentials = { accessKey: 'node-test', secretKey: randomBytes(12).toString('hex') };
    await createRestrictedPod(namespace, 1000, {
      containers: [
        {
          name: 'minio',
          image: minio.reference,
          args: ['server', '/data', '--address', ':9000'],
          env: [
            { name: 'MINIO_ROOT_USER', value: credentials.accessKey },
            { name: 'MINIO_ROOT_PASSWORD', value: credentials.secretKey },
            { name: 'MINIO_BROWSER', value: 'off' },
            { name: 'MINIO_UPDATE', value: 'off' },
          ],
          readinessProbe: { httpGet: { path: '/minio/health/ready', port: 9000 }, periodSeconds: 1 },
          volumeMounts: [
            { name: 'data', mountPath: '/data' },
            { name: 'tmp', mountPath: '/tmp' },
          ],
        },
      ],
      volumes: [
        { name: 'data', emptyDir: {} },
        { name: 'tmp', emptyDir: {} },
      ],
    });
    const podIp = await readyPodIp(namespace);
    const client = new Client({ endPoint: podIp, port: 9000, useSSL: false, ...credentials });
    await client.makeBucket('node-test');
    await client.putObject('node-test', 'greeting', Buffer.from('hello from the node'));
    const chunks: Buffer[] = [];
    for await (const chunk of await client.getObject('node-test', 'greeting')) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('hello from the node');
  }, 600_000);

  it("runs Debian's MariaDB as the chart's MySQL (mysql image variables), uid 999, read-only root", async () => {
    const namespace = 'mariadb-on-node';
    const mariadb = await mariadbImage(log);
    await cluster?.node.importImage(mariadb.archive);
    const auth = {
      MYSQL_ROOT_PASSWORD: randomBytes(12).toString('hex'),
      MYSQL_DATABASE: 'movie_reco',
      MYSQL_USER: 'movie_reco',
      MYSQL_PASSWORD: randomBytes(12).toString('hex'),
    };
    const volumes = { data: '/var/lib/mysql', run: '/var/run/mysqld', tmp: '/tmp' };
    await createRestrictedPod(namespace, 999, {
      containers: [
        {
          name: 'mysql',
          image: mariadb.reference,
          env: Object.entries(auth).map(([name, value]) => ({ name, value })),
          // The chart's own probe.
          readinessProbe: {
            exec: { command: ['sh', '-c', 'mysqladmin ping -h 127.0.0.1 -uroot -p"$MYSQL_ROOT_PASSWORD" --silent'] },
            periodSeconds: 1,
          },
          volumeMounts: Object.entries(volumes).map(([name, mountPath]) => ({ name, mountPath })),
        },
      ],
      volumes: Object.keys(volumes).map((name) => ({ name, emptyDir: {} })),
    });
    const podIp = await readyPodIp(namespace);
    const connection = await createConnection({
      host: podIp,
      user: auth.MYSQL_USER,
      password: auth.MYSQL_PASSWORD,
      database: auth.MYSQL_DATABASE,
    });
    try {
      await connection.query('CREATE TABLE greeting (text VARCHAR(40))');
      await connection.query('INSERT INTO greeting VALUES (?)', ['hello from the node']);
      const [rows] = await connection.query('SELECT text FROM greeting');
      expect(rows).toEqual([{ text: 'hello from the node' }]);
    } finally {
      await connection.end();
    }
  }, 600_000);
});
