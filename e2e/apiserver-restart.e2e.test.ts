/**
 * Drill: kube-apiserver and etcd go away in the middle of a training run and come back on the same
 * address. The operator cannot renew its lease, exits and is started again (as by its Deployment),
 * the pod runner's informers must recover by themselves, and the run's and the release's statuses
 * converge. A control plane of its own, so that nothing else
 * running is disturbed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../common/log.ts';
import { apiVersion } from '../operator/api/resources.ts';
import { resolveGoTool } from '../testenv/binaries.ts';
import { startEtcd, type EtcdServer } from '../testenv/etcd.ts';
import { startKubeApiServer, type KubeApiServer } from '../testenv/kube-apiserver.ts';
import { startKubeControllerManager, type KubeControllerManager } from '../testenv/kube-controller-manager.ts';
import { createControlPlanePki, type ControlPlanePki } from '../testenv/pki.ts';
import {
  authSecret,
  backendSecret,
  startLocalCluster,
  trainingRunManifest,
  type LocalCluster,
} from './local-cluster.ts';
import { waitFor } from '../testenv/poll.ts';
import { StoryLog } from './story-log.ts';

const story = new StoryLog();
const release = 'movielens';
const log = createLogger({ component: 'drill' }, { level: 'warn' });
let dir: string;
let pki: ControlPlanePki;
let binaries: { etcd: string; apiserver: string };
let etcd: EtcdServer;
let apiserver: KubeApiServer;
let controllerManager: KubeControllerManager;
let cluster: LocalCluster;

beforeAll(async () => {
  story.chapter('Drill: restart kube-apiserver and etcd mid-run');
  dir = mkdtempSync(join(tmpdir(), 'movie-reco-apiserver-drill-'));
  binaries = {
    etcd: (await resolveGoTool('etcd', log)).path,
    apiserver: (await resolveGoTool('kube-apiserver', log)).path,
  };
  pki = await createControlPlanePki(join(dir, 'pki'));
  etcd = await startEtcd(binaries.etcd, dir);
  apiserver = await startKubeApiServer(binaries.apiserver, dir, etcd.url, pki);
  controllerManager = await startKubeControllerManager(
    {
      binary: (await resolveGoTool('kube-controller-manager', log)).path,
      kubeconfig: apiserver.adminKubeconfig,
      caCert: pki.caCert,
      serviceAccountKey: pki.serviceAccountKey,
    },
    join(dir, 'kcm'),
  );
  cluster = await startLocalCluster({
    prefix: 'e2e-apiserver',
    kubeconfig: apiserver.adminKubeconfig,
    leaseDurationSeconds: 5,
  });
  story.say('own control plane up', { apiserver: apiserver.url });
  await cluster.loadRatings(1, '1');
  await cluster.apply({
    apiVersion,
    kind: 'ModelRelease',
    metadata: { name: release },
    spec: {
      model: 'movielens',
      serving: { replicas: 1, backendSecretRef: { name: backendSecret }, authSecretRef: { name: authSecret } },
    },
  });
});

afterAll(async () => {
  await cluster?.close();
  await controllerManager?.process.stop();
  await apiserver?.process.stop();
  await etcd?.process.stop();
  if (dir && process.env.MOVIE_RECO_E2E_KEEP !== '1') rmSync(dir, { recursive: true, force: true });
});

describe('kube-apiserver and etcd restarted during a training run', () => {
  it('informers recover and the run, the promotion and the rollout converge', async () => {
    await cluster.apply(trainingRunManifest('movielens-restart'));
    await cluster.trainerRunning('movielens-restart');
    await apiserver.process.stop();
    await etcd.process.stop();
    const down = Date.now();
    story.say('kube-apiserver and etcd stopped while the trainer runs');
    // Down until the operator has noticed: it cannot renew its lease, exits, and is started again.
    await waitFor('the operator to lose its lease and be restarted', () => cluster.operator.restarts >= 1, {
      timeoutMs: 60_000,
    });
    etcd = await startEtcd(binaries.etcd, dir, etcd);
    apiserver = await startKubeApiServer(binaries.apiserver, dir, etcd.url, pki, { again: apiserver });
    const back = Date.now();
    story.say('back on the same address', { downSeconds: (back - down) / 1000 });

    const run = await cluster.succeededRun('movielens-restart', 180_000);
    await waitFor('the run promoted and served', () => cluster.servingRun(release, 'movielens-restart', 1), {
      timeoutMs: 180_000,
    });
    story.say('converged', {
      secondsAfterTheApiServerCameBack: (Date.now() - back) / 1000,
      rmse: run.status?.metrics?.rmse,
      operatorRestarts: cluster.operator.restarts,
    });
    const jobs = await cluster.kc.makeApiClient(k8s.BatchV1Api).listNamespacedJob({ namespace: cluster.namespace });
    expect(jobs.items.map((job) => job.metadata!.name)).toEqual(['movielens-restart-train']);
  });
});
