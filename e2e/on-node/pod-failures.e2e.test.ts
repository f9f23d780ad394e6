/**
 * Why a trainer cannot run, shown in its TrainingRun as kubelet and the scheduler report it on a real
 * node: a missing backend Secret, an image no registry serves, a pod no node fits, a memory limit
 * the trainer outgrows. Each case
 * waits for the condition's reason and the Warning event, and logs how long they took after the run
 * was created (issue bar: 30 s). The operator runs in this process against the node's control plane.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../common/log.ts';
import { buildImage } from '../../image/build.ts';
import { installCrds } from '../../operator/api/install-crds.ts';
import { apiVersion, group, type TrainingRun, trainingRuns, version } from '../../operator/api/resources.ts';
import { Operator } from '../../operator/manager.ts';
import { getTrainingRun } from '../../operator/testing.ts';
import { type ClusterWithNode, startClusterWithNode } from '../../testenv/node/own-control-plane.ts';
import { waitFor } from '../../testenv/poll.ts';

const log = createLogger({ component: 'pod-failures' });
const dir = mkdtempSync(join(tmpdir(), 'movie-reco-pod-failures-'));
const namespace = 'failures';
let cluster: ClusterWithNode | undefined;
let operator: Operator | undefined;
let core: k8s.CoreV1Api;
let custom: k8s.CustomObjectsApi;
const kc = new k8s.KubeConfig();

beforeAll(async () => {
  cluster = await startClusterWithNode(dir, log);
  kc.loadFromFile(cluster.adminKubeconfig);
  core = kc.makeApiClient(k8s.CoreV1Api);
  custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const image = await buildImage(log, { outDir: join(dir, 'image') });
  await cluster.node.importImage(image.archive);
  const restricted = { 'pod-security.kubernetes.io/enforce': 'restricted' };
  await core.createNamespace({ body: { metadata: { name: namespace, labels: restricted } } });
  // Nothing answers there: the trainers below never get as far as the database.
  const unreachable = {
    MOVIE_RECO_DATABASE_URL: 'mysql://movie_reco:unused@10.0.0.250:3306/movie_reco',
    MOVIE_RECO_ARTIFACT_STORE: 's3://movie-reco/models',
    MOVIE_RECO_S3_ENDPOINT: 'http://10.0.0.251:9000',
    MOVIE_RECO_S3_ACCESS_KEY: 'unused',
    MOVIE_RECO_S3_SECRET_KEY: 'unused',
  };
  await core.createNamespacedSecret({ namespace, body: { metadata: { name: 'backend' }, stringData: unreachable } });
  await installCrds(kc);
  operator = new Operator({ kc, log, namespace, trainerImage: image.reference });
  await operator.start();
}, 1_200_000);

afterAll(async () => {
  await operator?.stop();
  await cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
}, 180_000);

/** Small requests: the pods of earlier cases stay, and the node has two cores. */
const small = { requests: { cpu: '100m', memory: '64Mi' } };

async function createRun(name: string, spec: Record<string, unknown>): Promise<number> {
  const body = {
    apiVersion,
    kind: 'TrainingRun',
    metadata: { name },
    spec: { model: 'movielens', backendSecretRef: { name: 'backend' }, resources: small, ...spec },
  };
  await custom.createNamespacedCustomObject({ group, version, namespace, plural: trainingRuns.plural, body });
  return Date.now();
}

const readRun = async (name: string) => (await getTrainingRun(kc, namespace, name)) as TrainingRun;

/** The run's Succeeded condition once it carries `reason`, and the Warning event of that reason. */
async function toldWhy(name: string, reasons: readonly string[], created: number) {
  const told = await waitFor(
    `TrainingRun ${name} to say ${reasons.join(' or ')}, with an event`,
    async () => {
      const run = await readRun(name);
      const condition = run.status?.conditions?.find((c) => c.type === 'Succeeded');
      if (!condition || !reasons.includes(condition.reason ?? '')) return undefined;
      const events = await core.listNamespacedEvent({ namespace, fieldSelector: `involvedObject.name=${name}` });
      const event = events.items.find((e) => e.type === 'Warning' && e.reason === condition.reason);
      return event && { run, condition, event };
    },
    { timeoutMs: 180_000, intervalMs: 250 },
  );
  log.info('told why', { run: name, reason: told.condition.reason, seconds: (Date.now() - created) / 1000 });
  return told;
}

describe('trainer pods that cannot run, on a real node', () => {
  it('a missing backend Secret: Pending, CreateContainerConfigError naming the Secret', async () => {
    const created = await createRun('missing-secret', { backendSecretRef: { name: 'absent' } });
    const { run, condition, event } = await toldWhy('missing-secret', ['CreateContainerConfigError'], created);
    expect(run.status?.phase).toBe('Pending');
    expect(condition.message).toContain('"absent"');
    expect(event.message).toContain('"absent"');
  });

  it('an image no registry serves: the pull failure while young', async () => {
    const created = await createRun('bad-image', { image: 'registry.invalid/movie-reco:missing' });
    const { run, condition } = await toldWhy('bad-image', ['ErrImagePull', 'ImagePullBackOff'], created);
    expect(run.status?.phase).toBe('Pending');
    expect(condition.message).toContain('registry.invalid/movie-reco:missing');
  });

  it("more CPU than the node has: Pending, Unschedulable with the scheduler's words", async () => {
    const created = await createRun('unschedulable', { resources: { requests: { cpu: '64', memory: '64Mi' } } });
    const { run, condition } = await toldWhy('unschedulable', ['Unschedulable'], created);
    expect(run.status?.phase).toBe('Pending');
    expect(condition.message).toMatch(/Insufficient cpu/);
  });

  it('a memory limit the trainer outgrows: Failed, OOMKilled', async () => {
    const resources = { requests: { cpu: '100m', memory: '32Mi' }, limits: { memory: '32Mi' } };
    const created = await createRun('out-of-memory', { resources, backoffLimit: 0 });
    await toldWhy('out-of-memory', ['OOMKilled'], created);
    // The pod is told first; the run fails when the Job does (backoffLimit 0), still naming OOMKilled.
    const failed = await waitFor('out-of-memory to be Failed', async () => {
      const run = await readRun('out-of-memory');
      return run.status?.phase === 'Failed' && run;
    });
    expect(failed.status?.conditions?.find((c) => c.type === 'Succeeded')?.reason).toBe('OOMKilled');
  });
});
