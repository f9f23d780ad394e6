/**
 * For janitor.int.test.ts: starts a cluster with a node and a running pod, prints one JSON line
 * ({ dir, pid }) and waits to be killed.   node node-owner.fixture.ts DIR
 */
import * as k8s from '@kubernetes/client-node';
import { createLogger } from '../../common/log.ts';
import { waitFor } from '../poll.ts';
import { startClusterWithNode } from './own-control-plane.ts';
import { pauseImage } from './pause.ts';

const dir = process.argv[2] ?? '';
const cluster = await startClusterWithNode(dir, createLogger({ component: 'node-owner' }, { level: 'warn' }));
const kubeConfig = new k8s.KubeConfig();
kubeConfig.loadFromFile(cluster.adminKubeconfig);
const core = kubeConfig.makeApiClient(k8s.CoreV1Api);
const container = { name: 'pause', image: (await pauseImage()).reference, imagePullPolicy: 'Never' };
const spec = { automountServiceAccountToken: false, containers: [container] };
await core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'sleeper' }, spec } });
await waitFor(
  'pod sleeper running',
  async () => (await core.readNamespacedPod({ name: 'sleeper', namespace: 'default' })).status?.phase === 'Running',
  { timeoutMs: 120_000, intervalMs: 250 },
);
process.stdout.write(`${JSON.stringify({ dir, pid: process.pid })}\n`);
setInterval(() => {}, 1 << 30);
