/**
 * The project's image as a container on a real node (containerd + kubelet), under the restricted
 * Pod Security profile. The node joins a control plane of its own, so that its scheduler never
 * meets the pods of the pod runner's tests on the shared one.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../common/log.ts';
import { type BuiltImage, buildImage } from '../../image/build.ts';
import { resolveGoTool } from '../binaries.ts';
import { type EtcdServer, startEtcd } from '../etcd.ts';
import { type KubeApiServer, startKubeApiServer } from '../kube-apiserver.ts';
import { type KubeControllerManager, startKubeControllerManager } from '../kube-controller-manager.ts';
import { createControlPlanePki } from '../pki.ts';
import { pollUntil } from '../poll.ts';
import { startNode, type TestNode } from './node.ts';

const log = createLogger({ component: 'node-test' }, { level: 'warn' });
const dir = mkdtempSync(join(tmpdir(), 'movie-reco-node-'));
let etcd: EtcdServer | undefined;
let apiserver: KubeApiServer | undefined;
let controllerManager: KubeControllerManager | undefined;
let node: TestNode | undefined;
let image: BuiltImage;
let core: k8s.CoreV1Api;

beforeAll(async () => {
  const pki = await createControlPlanePki(join(dir, 'pki'));
  etcd = await startEtcd((await resolveGoTool('etcd', log)).path, dir);
  apiserver = await startKubeApiServer((await resolveGoTool('kube-apiserver', log)).path, dir, etcd.url, pki);
  // Its node lifecycle controller lifts the not-ready taint the kubelet registers the node with.
  controllerManager = await startKubeControllerManager(
    {
      binary: (await resolveGoTool('kube-controller-manager', log)).path,
      kubeconfig: apiserver.adminKubeconfig,
      caCert: pki.caCert,
      serviceAccountKey: pki.serviceAccountKey,
    },
    dir,
  );
  node = await startNode({
    dir: join(dir, 'node'),
    apiServerUrl: apiserver.url,
    adminKubeconfig: apiserver.adminKubeconfig,
    ca: { cert: pki.caCert, key: pki.caKey },
    log,
  });
  image = await buildImage(log);
  await node.importImage(image.archive);
  const kubeConfig = new k8s.KubeConfig();
  kubeConfig.loadFromFile(apiserver.adminKubeconfig);
  core = kubeConfig.makeApiClient(k8s.CoreV1Api);
}, 1_200_000);

afterAll(async () => {
  await node?.stop();
  await controllerManager?.process.stop();
  await apiserver?.process.stop();
  await etcd?.process.stop();
  rmSync(dir, { recursive: true, force: true });
}, 120_000);

const probeScript = [
  "console.log('uid', process.getuid());",
  "try { require('node:fs').writeFileSync('/probe', 'x'); console.log('wrote to /'); }",
  "catch (err) { console.log('write to / failed:', err.code); }",
].join(' ');

describe('the image on a real node', () => {
  it('runs movie-reco --help as uid 10001 on a read-only root filesystem, under restricted Pod Security', async () => {
    const namespace = 'image-on-node';
    const restricted = { 'pod-security.kubernetes.io/enforce': 'restricted' };
    await core.createNamespace({ body: { metadata: { name: namespace, labels: restricted } } });
    const hardened = {
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    };
    const container = { image: image.reference, imagePullPolicy: 'Never', securityContext: hardened };
    await core.createNamespacedPod({
      namespace,
      body: {
        metadata: { name: 'help' },
        spec: {
          restartPolicy: 'Never',
          automountServiceAccountToken: false,
          securityContext: {
            runAsUser: 10001,
            runAsGroup: 10001,
            runAsNonRoot: true,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          containers: [
            { ...container, name: 'help', args: ['--help'] },
            { ...container, name: 'probe', command: ['node', '-e', probeScript] },
          ],
        },
      },
    });
    const pod = await pollUntil(
      'pod help to finish',
      async () => {
        const current = await core.readNamespacedPod({ name: 'help', namespace });
        return ['Succeeded', 'Failed'].includes(current.status?.phase ?? '') && current;
      },
      { timeoutMs: 180_000, intervalMs: 250 },
    );
    expect(pod.status?.phase).toBe('Succeeded');
    expect(pod.spec?.nodeName).toBe(node?.name);
    const logs = async (name: string) => core.readNamespacedPodLog({ name: 'help', namespace, container: name });
    expect(await logs('help')).toMatch(/^Usage: movie-reco <command>/m);
    const probe = await logs('probe');
    expect(probe).toContain('uid 10001');
    expect(probe).toContain('write to / failed: EROFS');
  }, 300_000);
});
