/**
 * The whole story on a local control plane, the operator in charge: data arrives in batches, a
 * TrainingRun trains and is promoted, two inference replicas serve it, more data triggers a retrain
 * whose better model rolls out under load without a failed request, a bad run is stopped by the
 * gate, pinning rolls back, and Prometheus scrapes it all. `npm run e2e` prints the narrative.
 */
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiVersion, group, version, type ModelRelease } from '../operator/api/resources.ts';
import { openDatabase } from '../storage/database.ts';
import { listGateDecisions } from '../storage/gate-decisions.ts';
import { startPrometheus, type PrometheusServer } from '../testenv/prometheus.ts';
import { prometheusBinary } from '../testenv/fixtures.ts';
import { dashboardQueries } from './dashboard-queries.ts';
import { readyEndpoints } from '../testenv/pod-runner.ts';
import { startLoad } from './load-generator.ts';
import {
  authSecret,
  backendSecret,
  reader,
  startLocalCluster,
  trainingRunManifest,
  writer,
  type LocalCluster,
} from './local-cluster.ts';
import { waitFor } from '../testenv/poll.ts';
import { StoryLog } from './story-log.ts';

const story = new StoryLog();
const release = 'movielens';
const service = `${release}-inference`;
const batches = 5;

let cluster: LocalCluster;
let prometheus: PrometheusServer;
let stopTargets = () => {};

const runIdOf = (name: string) => `${cluster.namespace}/${name}`;

function modelRelease(): object {
  return {
    apiVersion,
    kind: 'ModelRelease',
    metadata: { name: release },
    spec: {
      model: 'movielens',
      // RMSE compares runs trained on different amounts of data fairly enough; the top-10 metrics
      // of a run on one batch (206 users) and on five (610) are not comparable.
      promotion: { metric: 'rmse', minImprovement: 0.005, gates: { maxRmse: 0.92 } },
      retrain: { minNewRatings: 50_000, historyLimit: 10, template: { backendSecretRef: { name: backendSecret } } },
      serving: { replicas: 2, backendSecretRef: { name: backendSecret }, authSecretRef: { name: authSecret } },
    },
  };
}

interface LogLine {
  time: string;
  msg: string;
  [key: string]: unknown;
}

async function trainerLog(run: string): Promise<LogLine[]> {
  const pods = await cluster.kc
    .makeApiClient(k8s.CoreV1Api)
    .listNamespacedPod({ namespace: cluster.namespace, labelSelector: `job-name=${run}-train` });
  const pod = pods.items.at(-1);
  if (!pod) return [];
  return cluster.runner
    .logs(cluster.namespace, pod.metadata!.name!)
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogLine);
}

/** Keeps Prometheus's targets equal to the operator and the running inference pods, as pod discovery would. */
function followTargets(): () => void {
  const core = cluster.kc.makeApiClient(k8s.CoreV1Api);
  let running = true;
  void (async () => {
    while (running) {
      try {
        prometheus.setTargets('operator', [
          {
            address: cluster.operator.metricsAddress,
            labels: { namespace: cluster.namespace, pod: 'movie-reco-operator' },
          },
        ]);
        const pods = await core.listNamespacedPod({
          namespace: cluster.namespace,
          labelSelector: 'app.kubernetes.io/name=movie-reco-inference',
        });
        prometheus.setTargets(
          'inference',
          pods.items
            .filter((pod) => pod.status?.phase === 'Running' && pod.status.podIP)
            .map((pod) => ({
              address: `${pod.status!.podIP}:8080`,
              labels: { namespace: cluster.namespace, pod: pod.metadata!.name! },
            })),
        );
      } catch {
        // The next round tries again.
      }
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  })();
  return () => {
    running = false;
  };
}

beforeAll(async () => {
  story.chapter('A namespace with the operator, the pod runner, MariaDB, MinIO and Prometheus');
  cluster = await startLocalCluster({ prefix: 'e2e-story', ratingsPollSeconds: 2 });
  prometheus = await startPrometheus({ binary: prometheusBinary(), dir: cluster.dir, jobs: ['operator', 'inference'] });
  stopTargets = followTargets();
  story.say('ready', {
    namespace: cluster.namespace,
    operatorMetrics: cluster.operator.metricsAddress,
    prometheus: prometheus.url,
    logs: cluster.dir,
  });
});

afterAll(async () => {
  stopTargets();
  await prometheus?.stop();
  await cluster?.close();
});

describe('the movie-reco story on a local control plane', () => {
  it('loads the first of five batches of ml-latest-small', async () => {
    story.chapter('Data: the first of five time-ordered batches of ml-latest-small');
    const loaded = await cluster.loadRatings(batches, '1');
    story.say('ratings loaded', loaded);
    expect(loaded.ratings).toBeGreaterThan(15_000);
  });

  it('trains a TrainingRun applied with kubectl, promotes it and serves it from two replicas', async () => {
    story.chapter('The first model: kubectl apply a ModelRelease, then a TrainingRun');
    await cluster.apply(modelRelease());
    const applied = Date.now();
    await cluster.apply(trainingRunManifest('movielens-initial'));
    story.say('TrainingRun movielens-initial applied');

    const succeeded = await cluster.succeededRun('movielens-initial');
    story.say('run Succeeded', {
      rmse: succeeded.status?.metrics?.rmse,
      ndcgAt10: succeeded.status?.metrics?.ndcgAt10,
      ratings: succeeded.status?.dataset?.ratings,
    });
    const promoted = await waitFor(
      'the release to promote it',
      async () => {
        const current = await cluster.release(release);
        return current.status?.champion?.run === 'movielens-initial' && Date.now();
      },
      { timeoutMs: 120_000 },
    );
    const endpoints = await waitFor(
      'two ready replicas serving it',
      () => cluster.servingRun(release, 'movielens-initial', 2),
      { timeoutMs: 120_000 },
    );
    const serving = Date.now();

    const log = await trainerLog('movielens-initial');
    const at = (msg: string) => Date.parse(log.find((line) => line.msg === msg)?.time ?? '');
    const firstLine = Date.parse(log[0]?.time ?? '');
    const breakdown = {
      scheduleSeconds: (firstLine - applied) / 1000,
      trainSeconds: (at('evaluated') - firstLine) / 1000,
      uploadSeconds: (at('artifact written') - at('evaluated')) / 1000,
      promoteSeconds: (promoted - at('artifact written')) / 1000,
      rolloutSeconds: (serving - promoted) / 1000,
      totalSeconds: (serving - applied) / 1000,
    };
    story.say('kubectl apply -> serving traffic', breakdown);
    story.say('ready endpoints', { endpoints });
    // Each stage happened, in order (the durations themselves are reported, not judged, here).
    for (const value of Object.values(breakdown)) expect(Number.isFinite(value) && value >= 0).toBe(true);

    const response = await fetch(`http://${endpoints[0]}/v1/recommendations?userId=1&n=5`, {
      headers: { authorization: reader },
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      recommendations: { movieId: number; title: string | null; predictedRating: number }[];
    };
    story.say('recommendations for user 1', { titles: body.recommendations.map((movie) => movie.title) });
    expect(body.recommendations).toHaveLength(5);
    expect(body.recommendations.every((movie) => typeof movie.title === 'string' && movie.predictedRating >= 0.5)).toBe(
      true,
    );
  });

  let generatorReport: Awaited<ReturnType<ReturnType<typeof startLoad>['stop']>> | undefined;

  it('retrains on the new ratings and rolls the better model out under load without a failed request', async () => {
    story.chapter('New data: batches 2 to 5 arrive and users rate through the API');
    const load = startLoad({
      kc: cluster.kc,
      namespace: cluster.namespace,
      service,
      userIds: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
      authorization: reader,
      concurrency: 4,
    });
    const loaded = await cluster.loadRatings(batches, `2-${batches}`);
    story.say('ratings loaded', loaded);
    const endpoints = await readyEndpoints(cluster.kc, cluster.namespace, service);
    let acknowledged = 0;
    for (let i = 0; i < 20; i++) {
      const response = await fetch(`http://${endpoints[i % endpoints.length]}/v1/ratings`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: writer },
        body: JSON.stringify({
          userId: 611,
          movieId: [1, 2, 3, 6, 10, 32, 47, 50, 110, 150, 260, 296, 318, 356, 480, 527, 589, 593, 1196, 2571][i],
          rating: 4.5,
        }),
      });
      expect(response.status).toBe(201);
      acknowledged++;
    }
    story.say('ratings posted through the pods and acknowledged', { acknowledged, user: 611 });

    story.chapter('Retraining: the release notices the new ratings');
    const retrain = await waitFor(
      'a retrain run',
      async () =>
        (await cluster.trainingRuns()).find((run) => run.metadata.labels?.['reco.mlops.dev/model-release'] === release),
      { timeoutMs: 120_000 },
    );
    const retrainName = retrain.metadata.name!;
    story.say('retrain run created by the operator', { run: retrainName });
    const finished = await cluster.succeededRun(retrainName, 180_000);
    story.say('retrain Succeeded', {
      rmse: finished.status?.metrics?.rmse,
      ratings: finished.status?.dataset?.ratings,
    });
    await waitFor('the better model serving on both replicas', () => cluster.servingRun(release, retrainName, 2), {
      timeoutMs: 120_000,
    });
    const current = await cluster.release(release);
    story.say('promoted and rolled out', { decision: current.status?.lastDecision?.reason });
    expect(current.status?.lastDecision).toMatchObject({ run: retrainName, outcome: 'Promoted' });
    // Traffic on the new model only for a while, then the verdict on the whole rollout.
    const answeredByNew = () => load.byRun()[runIdOf(retrainName)] ?? 0;
    const answeredAtRollout = answeredByNew();
    await waitFor('200 more answers from the new model', () => answeredByNew() >= answeredAtRollout + 200, {
      timeoutMs: 60_000,
    });
    generatorReport = await load.stop();
    story.say('load during the rollout', { ...generatorReport, failures: generatorReport.failures.slice(0, 5) });
    expect(generatorReport.failures).toEqual([]);
    expect(generatorReport.byRun[runIdOf('movielens-initial')]).toBeGreaterThan(0);
    expect(generatorReport.byRun[runIdOf(retrainName)]).toBeGreaterThan(0);
  });

  it('rejects a deliberately bad run at the gate and keeps the champion', async () => {
    story.chapter('A bad run: one factor, one epoch');
    const before = (await cluster.release(release)).status?.champion?.run;
    await cluster.apply(trainingRunManifest('movielens-tiny', { name: 'svd', factors: 1, epochs: 1 }));
    await cluster.succeededRun('movielens-tiny');
    const judged = await waitFor(
      'the release to judge it',
      async () => {
        const current = await cluster.release(release);
        return current.status?.lastDecision?.run === 'movielens-tiny' && current;
      },
      { timeoutMs: 120_000 },
    );
    story.say('judged', { ...judged.status?.lastDecision });
    expect(judged.status?.lastDecision).toMatchObject({ outcome: 'Rejected' });
    expect(judged.status?.lastDecision?.reason).toMatch(/rmse/i);
    expect(judged.status?.champion?.run).toBe(before);
    // What the Models page lists: every judgement, recorded by the operator in MySQL.
    const db = await openDatabase(cluster.database.url);
    try {
      const decisions = await listGateDecisions(db, 'movielens');
      story.say('gate decisions in MySQL', {
        decisions: decisions.map((d) => `${d.outcome} ${d.runId.split('/')[1]}`),
      });
      expect(decisions.filter((d) => d.runId === runIdOf('movielens-tiny'))).toEqual([
        expect.objectContaining({ outcome: 'Rejected', reason: judged.status?.lastDecision?.reason }),
      ]);
      expect(
        decisions
          .filter((d) => d.outcome === 'Promoted')
          .map((d) => d.runId)
          .sort(),
      ).toEqual([runIdOf('movielens-1'), runIdOf('movielens-initial')].sort());
    } finally {
      await db.close();
    }
  });

  it('rolls back to the first model by pinning it', async () => {
    story.chapter('Rollback: pin movielens-initial');
    const objects = cluster.kc.makeApiClient(k8s.CustomObjectsApi);
    await objects.patchNamespacedCustomObject(
      {
        group,
        version,
        namespace: cluster.namespace,
        plural: 'modelreleases',
        name: release,
        body: { spec: { promotion: { pinnedRun: 'movielens-initial' } } },
      },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    const pinnedAt = Date.now();
    await waitFor(
      'the pinned model serving on both replicas',
      () => cluster.servingRun(release, 'movielens-initial', 2),
      { timeoutMs: 120_000 },
    );
    const current: ModelRelease = await cluster.release(release);
    story.say('rolled back', { seconds: (Date.now() - pinnedAt) / 1000, decision: current.status?.lastDecision });
    expect(current.status?.lastDecision).toMatchObject({ run: 'movielens-initial', outcome: 'Pinned' });
  });

  it('is watched by Prometheus: every dashboard query returns data', async () => {
    story.chapter('Prometheus: the dashboard queries');
    // The rollout traffic has to be in range of the rate() windows.
    const queries = dashboardQueries(cluster.namespace, '5m');
    const results: { panel: string; expr: string; samples: number }[] = [];
    await waitFor(
      'the inference pods scraped',
      async () => (await prometheus.query(`up{job="inference"} == 1`)).length === 2,
      { timeoutMs: 120_000 },
    );
    for (const { panel, expr } of queries) {
      const samples = await prometheus.query(expr);
      results.push({ panel, expr, samples: samples.length });
    }
    for (const result of results)
      story.say(`${result.samples > 0 ? 'data' : 'EMPTY'} ${result.panel}`, { samples: result.samples });
    expect(results.filter((result) => result.samples === 0).map((result) => `${result.panel}: ${result.expr}`)).toEqual(
      [],
    );
  });
});
