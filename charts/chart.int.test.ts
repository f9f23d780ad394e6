/**
 * The Helm chart, the plain manifests and the monitoring files, validated against the real
 * kube-apiserver of the test environment (no scheduler or kubelet: server-side dry run, Pod Security
 * admission of the pod templates, RBAC through `kubectl auth can-i`), helm lint, promtool, and the
 * metric names the operator and the inference service really serve on /metrics.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../common/log.ts';
import { waitFor } from '../testenv/poll.ts';
import { createApp } from '../inference/app.ts';
import { createServiceMetrics } from '../inference/metrics.ts';
import { ModelHolder } from '../inference/model-holder.ts';
import { listen } from '../inference/server.ts';
import { installCrds } from '../operator/api/install-crds.ts';
import type { ModelRelease, TrainingRun } from '../operator/api/resources.ts';
import { OperatorMetrics } from '../operator/kit/metrics.ts';
import { startProbeServer } from '../operator/kit/probe-server.ts';
import { desiredDeployment } from '../operator/modelrelease/serving.ts';
import { desiredJob } from '../operator/trainingrun/job.ts';
import {
  adminKubeConfig,
  createTestNamespace,
  helmBinary,
  kubeconfigPath,
  promtoolBinary,
  testEnv,
  type TestNamespace,
} from '../testenv/fixtures.ts';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..');
const chart = join(root, 'charts', 'movie-reco');
const deploy = join(root, 'deploy');
const crdChart = join(root, 'charts', 'movie-reco-crds');
const rulesFile = join(deploy, 'monitoring', 'movie-reco.rules.yaml');
const dashboardFile = join(deploy, 'monitoring', 'movie-reco-dashboard.json');
const monitoringApis = [
  '--api-versions',
  'monitoring.coreos.com/v1/PodMonitor',
  '--api-versions',
  'monitoring.coreos.com/v1/PrometheusRule',
];

type KubeObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [key: string]: unknown;
};

/**
 * Values of a production-like install: external MySQL and S3 through a managed Secret,
 * two operator replicas, one watched namespace.
 */
function productionValues(watchNamespace: string): string[] {
  return [
    '--set',
    'mysql.enabled=false',
    '--set',
    'minio.enabled=false',
    '--set',
    'datasetLoad.enabled=false',
    '--set',
    'backend.existingSecret=movie-reco-backend-prod',
    '--set',
    'image.repository=registry.example.com/movie-reco',
    '--set',
    'image.tag=0.1.0',
    '--set',
    'image.pullPolicy=Always',
    '--set',
    'operator.replicas=2',
    '--set',
    `operator.watchNamespace=${watchNamespace}`,
    '--set',
    'monitoring.podMonitors.labels.release=kube-prometheus-stack',
    '--set',
    'monitoring.prometheusRule.labels.release=kube-prometheus-stack',
  ];
}

const helm = async (...args: string[]) => (await run(helmBinary(), args, { maxBuffer: 64 << 20 })).stdout;
const kubectl = async (...args: string[]) =>
  run('kubectl', ['--kubeconfig', kubeconfigPath(), ...args], { maxBuffer: 64 << 20 });

async function render(namespace: string, ...args: string[]): Promise<{ text: string; objects: KubeObject[] }> {
  const text = await helm(
    'template',
    'mr',
    chart,
    '--namespace',
    namespace,
    '--kube-version',
    '1.36.0',
    '--include-crds',
    ...args,
  );
  const objects = (k8s.loadAllYaml(text) as (KubeObject | null)[]).filter(
    (o): o is KubeObject => o !== null && typeof o === 'object',
  );
  return { text, objects };
}

function scratch(): string {
  return mkdtempSync(join(testEnv('MOVIE_RECO_TEST_ENV_DIR'), 'chart-'));
}

/** Applies with server-side dry run; returns kubectl's output (one line per object). */
async function dryRunApply(yamlText: string): Promise<string> {
  const file = join(scratch(), 'objects.yaml');
  writeFileSync(file, yamlText);
  const { stdout } = await kubectl(
    'apply',
    '--dry-run=server',
    '--server-side',
    '--field-manager=chart-test',
    '-f',
    file,
  );
  return stdout;
}

function podTemplates(objects: KubeObject[]): { owner: string; template: k8s.V1PodTemplateSpec }[] {
  const out: { owner: string; template: k8s.V1PodTemplateSpec }[] = [];
  for (const o of objects) {
    const spec = o.spec as
      | { template?: k8s.V1PodTemplateSpec; volumeClaimTemplates?: k8s.V1PersistentVolumeClaim[] }
      | undefined;
    if (!['Deployment', 'StatefulSet', 'Job', 'DaemonSet'].includes(o.kind) || !spec?.template) continue;
    // A StatefulSet's pods get a persistentVolumeClaim volume per claim template.
    const claims = (spec.volumeClaimTemplates ?? []).map((c) => ({
      name: c.metadata!.name!,
      persistentVolumeClaim: { claimName: `${c.metadata!.name}-${o.metadata.name}-0` },
    }));
    const template = {
      ...spec.template,
      spec: { ...spec.template.spec!, volumes: [...(spec.template.spec!.volumes ?? []), ...claims] },
    };
    out.push({ owner: `${o.kind}/${o.metadata.name}`, template });
  }
  return out;
}

describe('the chart', () => {
  const kc = adminKubeConfig();
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const crdApi = kc.makeApiClient(k8s.ApiextensionsV1Api);
  let ns: TestNamespace;
  let watched: TestNamespace;
  const stubCrds: string[] = [];

  beforeAll(async () => {
    // A namespace enforcing the restricted Pod Security standard, like the issue asks installs to be ready for.
    const restricted = {
      'pod-security.kubernetes.io/enforce': 'restricted',
      'pod-security.kubernetes.io/enforce-version': 'latest',
    };
    [ns, watched] = await Promise.all([
      createTestNamespace('chart', restricted),
      createTestNamespace('chart-watched', restricted),
    ]);
    await installCrds(kc);
    // The Prometheus Operator's kinds, as schemaless stand-ins, so PodMonitor and PrometheusRule
    // can be dry-run applied.
    for (const [plural, kind] of [
      ['podmonitors', 'PodMonitor'],
      ['prometheusrules', 'PrometheusRule'],
    ] as const) {
      const name = `${plural}.monitoring.coreos.com`;
      const exists = await crdApi.readCustomResourceDefinition({ name }).then(
        () => true,
        () => false,
      );
      if (exists) continue;
      await crdApi.createCustomResourceDefinition({
        body: {
          metadata: { name },
          spec: {
            group: 'monitoring.coreos.com',
            scope: 'Namespaced',
            names: { plural, kind, singular: kind.toLowerCase(), listKind: `${kind}List` },
            versions: [
              {
                name: 'v1',
                served: true,
                storage: true,
                schema: {
                  openAPIV3Schema: {
                    type: 'object',
                    properties: { spec: { type: 'object', x_kubernetes_preserve_unknown_fields: true } },
                  },
                },
              },
            ],
          },
        },
      });
      stubCrds.push(name);
    }
    for (const name of stubCrds) {
      await waitFor(`CRD ${name} Established`, async () =>
        (await crdApi.readCustomResourceDefinition({ name })).status?.conditions?.some(
          (c) => c.type === 'Established' && c.status === 'True',
        ),
      );
    }
  });

  afterAll(async () => {
    for (const name of stubCrds) await crdApi.deleteCustomResourceDefinition({ name }).catch(() => {});
    await Promise.all([ns?.delete(), watched?.delete()]);
  });

  it('carries exact copies of deploy/crds, the monitoring files and the operator ClusterRole of deploy/rbac', () => {
    const names = readdirSync(join(deploy, 'crds')).sort();
    expect(readdirSync(join(chart, 'crds')).sort()).toEqual(names);
    for (const name of names) {
      expect(
        readFileSync(join(chart, 'crds', name), 'utf8'),
        `charts/movie-reco/crds/${name}: run charts/sync.sh`,
      ).toBe(readFileSync(join(deploy, 'crds', name), 'utf8'));
    }
    for (const name of names) {
      expect(
        readFileSync(join(crdChart, 'files', name), 'utf8'),
        `charts/movie-reco-crds/files/${name}: run charts/sync.sh`,
      ).toBe(readFileSync(join(deploy, 'crds', name), 'utf8'));
    }
    for (const file of [rulesFile, dashboardFile, join(deploy, 'rbac', 'user-clusterroles.yaml')]) {
      const name = file.split('/').pop()!;
      expect(
        readFileSync(join(chart, 'files', name), 'utf8'),
        `charts/movie-reco/files/${name}: run charts/sync.sh`,
      ).toBe(readFileSync(file, 'utf8'));
    }
  });

  it('has a CRD chart that renders deploy/crds unchanged, kept on uninstall', async () => {
    await helm('lint', '--strict', crdChart);
    const rendered = k8s.loadAllYaml(await helm('template', 'crds', crdChart)) as k8s.V1CustomResourceDefinition[];
    expect(rendered.map((crd) => crd.metadata!.name).sort()).toEqual(
      readdirSync(join(deploy, 'crds'))
        .map((f) => f.replace(/\.yaml$/, ''))
        .sort(),
    );
    for (const crd of rendered) {
      const source = k8s.loadYaml<k8s.V1CustomResourceDefinition>(
        readFileSync(join(deploy, 'crds', `${crd.metadata!.name}.yaml`), 'utf8'),
      );
      expect(crd.metadata!.annotations).toEqual({ 'helm.sh/resource-policy': 'keep' });
      expect(crd.metadata!.labels).toMatchObject({ 'app.kubernetes.io/managed-by': 'Helm' });
      expect(crd.spec).toEqual(source.spec);
    }
  });

  it('passes helm lint with default, sample and production-like values; its schema refuses bad values', async () => {
    await helm('lint', '--strict', chart);
    await helm('lint', '--strict', chart, '--set', 'samples.enabled=true');
    await helm('lint', '--strict', chart, ...productionValues('team-a'));
    for (const bad of [
      ['--set', 'operator.workers=0'],
      ['--set', 'operator.replicass=2'],
      ['--set', 'datasetLoad.only=one'],
      ['--set', 'backend.artifactStore=ftp://x'],
    ]) {
      await expect(helm('template', 'mr', chart, ...bad), bad.join(' ')).rejects.toThrow(
        /values don't meet the specifications of the schema/,
      );
    }
    // External database without a URL or a Secret: a clear message, not a broken Secret.
    await expect(helm('template', 'mr', chart, '--set', 'mysql.enabled=false')).rejects.toThrow(
      /backend.databaseUrl is required/,
    );
  });

  it("places the operator's pod where the values say", async () => {
    const operatorPod = (objects: KubeObject[]) =>
      (
        objects.find(
          (o) => o.kind === 'Deployment' && o.metadata.labels?.['app.kubernetes.io/name'] === 'movie-reco-operator',
        )!.spec as k8s.V1DeploymentSpec
      ).template.spec!;
    const placed = operatorPod(
      (
        await render(
          ns.name,
          ...['--set', 'operator.priorityClassName=platform-critical', '--set', 'operator.nodeSelector.pool=system'],
          ...['--set', 'operator.tolerations[0].key=dedicated', '--set', 'operator.tolerations[0].operator=Exists'],
          ...['--set', 'imagePullSecrets[0].name=registry-key'],
        )
      ).objects,
    );
    expect(placed).toMatchObject({
      priorityClassName: 'platform-critical',
      nodeSelector: { pool: 'system' },
      tolerations: [{ key: 'dedicated', operator: 'Exists' }],
      imagePullSecrets: [{ name: 'registry-key' }],
    });
    const unplaced = operatorPod((await render(ns.name)).objects);
    for (const field of ['priorityClassName', 'nodeSelector', 'tolerations', 'affinity', 'imagePullSecrets'])
      expect(unplaced, field).not.toHaveProperty(field);
  });

  it('pins every pod of the project to image.digest, and reads the dataset from existingClaim', async () => {
    const digest = `sha256:${'ab'.repeat(32)}`;
    const { objects } = await render(
      ns.name,
      ...['--set', 'image.repository=registry.example.com/movie-reco', '--set', `image.digest=${digest}`],
      ...['--set', 'datasetLoad.existingClaim=movielens'],
    );
    const ours = objects.flatMap((o) => {
      const spec = (o.spec as { template?: { spec?: k8s.V1PodSpec } } | undefined)?.template?.spec;
      return (spec?.containers ?? []).filter((c) => c.image?.startsWith('registry.example.com/'));
    });
    expect(ours.length).toBeGreaterThanOrEqual(2);
    for (const container of ours) expect(container.image).toBe(`registry.example.com/movie-reco@${digest}`);
    const load = objects.find((o) => o.kind === 'Job' && o.metadata.name.endsWith('-dataset-load'))!
      .spec as k8s.V1JobSpec;
    const pod = load.template.spec!;
    expect(pod.volumes).toContainEqual({
      name: 'datasets',
      persistentVolumeClaim: { claimName: 'movielens', readOnly: true },
    });
    expect(pod.containers[0]!.env).toContainEqual({ name: 'MOVIELENS_DIR', value: '/datasets' });
    const downloading = (await render(ns.name)).objects.find(
      (o) => o.kind === 'Job' && o.metadata.name.endsWith('-dataset-load'),
    )!.spec as k8s.V1JobSpec;
    expect(downloading.template.spec!.volumes!.map((v) => v.name)).toEqual(['tmp']);
    await expect(render(ns.name, '--set', 'image.digest=latest')).rejects.toThrow(/digest/);
  });

  it('renders the operator with NODE_OPTIONS, restricted security context, probes, defaults ConfigMap', async () => {
    const { objects } = await render(ns.name);
    const operator = objects.find(
      (o) => o.kind === 'Deployment' && o.metadata.labels?.['app.kubernetes.io/name'] === 'movie-reco-operator',
    )!;
    const pod = (operator.spec as k8s.V1DeploymentSpec).template.spec!;
    const container = pod.containers[0]!;
    expect(container.env).toContainEqual({ name: 'NODE_OPTIONS', value: '--max-semi-space-size=2' });
    expect(container.args).toEqual(
      expect.arrayContaining(['operator', '--probe-port=8080', '--leader-elect=true', `--lease-namespace=${ns.name}`]),
    );
    expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001 });
    expect(container.volumeMounts).toContainEqual({ name: 'tmp', mountPath: '/tmp' });
    const defaults = objects.find(
      (o) => o.kind === 'ConfigMap' && o.metadata.name.endsWith('-operator-defaults'),
    ) as unknown as k8s.V1ConfigMap;
    expect(defaults.data).toMatchObject({
      MOVIE_RECO_TRAINER_IMAGE: 'movie-reco:0.1.0',
      MOVIE_RECO_INFERENCE_IMAGE: 'movie-reco:0.1.0',
      MOVIE_RECO_BACKEND_SECRET: 'mr-movie-reco-backend',
    });
    // No monitoring.coreos.com in the capabilities: no PodMonitor or PrometheusRule.
    expect(objects.filter((o) => o.apiVersion.startsWith('monitoring.coreos.com'))).toEqual([]);
    expect(objects.map((o) => o.kind)).toEqual(
      expect.arrayContaining(['StatefulSet', 'Job', 'CustomResourceDefinition', 'ServiceAccount', 'ClusterRole']),
    );

    // The ClusterRole is deploy/rbac's, rule for rule.
    const clusterRole = objects.find(
      (o) => o.kind === 'ClusterRole' && o.metadata.name.endsWith('-operator'),
    ) as unknown as k8s.V1ClusterRole;
    const reference = k8s.loadYaml<k8s.V1ClusterRole>(
      readFileSync(join(deploy, 'rbac', 'operator-clusterrole.yaml'), 'utf8'),
    );
    expect(clusterRole.rules).toEqual(reference.rules);

    // The users' roles are deploy/rbac's too, renamed after the release, with their aggregation labels.
    const userRoles = k8s.loadAllYaml(
      readFileSync(join(deploy, 'rbac', 'user-clusterroles.yaml'), 'utf8'),
    ) as k8s.V1ClusterRole[];
    for (const reference of userRoles) {
      const rendered = objects.find(
        (o) => o.kind === 'ClusterRole' && o.metadata.name === `${ns.name}-mr-${reference.metadata!.name}`,
      ) as unknown as k8s.V1ClusterRole;
      expect(rendered.rules, reference.metadata!.name).toEqual(reference.rules);
      expect(rendered.metadata!.labels).toMatchObject(reference.metadata!.labels!);
      expect(rendered.metadata!.labels).toMatchObject({ 'app.kubernetes.io/managed-by': 'Helm' });
    }

    // Production-like: no in-chart servers, the managed Secret, a namespaced binding, monitoring objects.
    const prod = (await render(ns.name, ...productionValues(watched.name), ...monitoringApis)).objects;
    expect(prod.filter((o) => o.kind === 'StatefulSet' || o.kind === 'Job' || o.kind === 'Secret')).toEqual([]);
    expect(prod.find((o) => o.kind === 'ClusterRoleBinding')).toBeUndefined();
    expect(prod.find((o) => o.kind === 'RoleBinding' && o.metadata.namespace === watched.name)).toBeDefined();
    expect(
      prod
        .filter((o) => o.apiVersion === 'monitoring.coreos.com/v1')
        .map((o) => o.kind)
        .sort(),
    ).toEqual(['PodMonitor', 'PodMonitor', 'PrometheusRule']);
    // The PodMonitors select what is really there: the operator pod's metrics port, the inference
    // pods the operator creates.
    type PodMonitor = {
      spec: { selector: { matchLabels: Record<string, string> }; podMetricsEndpoints: { port: string }[] };
    };
    const monitors = prod.filter((o) => o.kind === 'PodMonitor') as unknown as (KubeObject & PodMonitor)[];
    const release = {
      metadata: { name: 'movielens', namespace: watched.name, uid: 'u' },
      spec: { model: 'movielens' },
    } as unknown as ModelRelease;
    const inferencePod = desiredDeployment(release, { run: 'r', artifactUri: 's3://b/m', digest: 'd' }, { image: 'i' })
      .spec!.template;
    const operatorPod = (prod.find((o) => o.kind === 'Deployment')!.spec as k8s.V1DeploymentSpec).template;
    for (const [monitor, pod] of [
      [monitors.find((m) => m.metadata.name.endsWith('-operator'))!, operatorPod],
      [monitors.find((m) => m.metadata.name.endsWith('-inference'))!, inferencePod],
    ] as const) {
      expect(pod.metadata!.labels, monitor.metadata.name).toMatchObject(monitor.spec.selector.matchLabels);
      expect(
        pod.spec!.containers[0]!.ports!.map((p) => p.name),
        monitor.metadata.name,
      ).toContain(monitor.spec.podMetricsEndpoints[0]!.port);
    }
    const dashboard = prod.find(
      (o) => o.kind === 'ConfigMap' && o.metadata.labels?.grafana_dashboard === '1',
    ) as unknown as k8s.V1ConfigMap;
    expect(JSON.parse(dashboard.data!['movie-reco.json']!)).toEqual(JSON.parse(readFileSync(dashboardFile, 'utf8')));
  });

  it("points every alert's runbook_url at monitoring.prometheusRule.runbookBaseUrl", async () => {
    type Rules = { spec: { groups: { rules: { alert: string; annotations: Record<string, string> }[] }[] } };
    const runbookUrls = async (...args: string[]) => {
      const { objects } = await render(ns.name, ...monitoringApis, ...args);
      const rule = objects.find((o) => o.kind === 'PrometheusRule') as unknown as Rules;
      return rule.spec.groups.flatMap((g) => g.rules.map((r) => [r.alert, r.annotations.runbook_url]));
    };
    const fileUrls = k8s
      .loadYaml<Rules['spec']>(readFileSync(rulesFile, 'utf8'))
      .groups.flatMap((g) => g.rules.map((r) => [r.alert, r.annotations.runbook_url]));
    expect(await runbookUrls()).toEqual(fileUrls);
    const base = 'https://docs.example.com/movie-reco/runbooks.html';
    const moved = await runbookUrls('--set', `monitoring.prometheusRule.runbookBaseUrl=${base}`);
    expect(moved).toEqual(fileUrls.map(([alert]) => [alert, `${base}#${alert!.toLowerCase()}`]));
  });

  it('dry-run applies every rendered object: default, samples + monitoring, production-like', async () => {
    const variants: [string, string[]][] = [
      ['default', []],
      ['samples and monitoring', ['--set', 'samples.enabled=true', ...monitoringApis]],
      ['production-like', [...productionValues(watched.name), ...monitoringApis]],
    ];
    for (const [label, args] of variants) {
      const { text, objects } = await render(ns.name, ...args);
      const out = await dryRunApply(text);
      const applied = out
        .trim()
        .split('\n')
        .filter((line) => /serverside-applied|created|configured|unchanged/.test(line));
      expect(applied.length, `${label}:\n${out}`).toBe(objects.length);
    }
  });

  it('has pod templates restricted Pod Security admits: workloads, trainer Job, inference Deployment', async () => {
    const { objects } = await render(ns.name, '--set', 'samples.enabled=true');
    const templates = podTemplates(objects);
    expect(templates.map((t) => t.owner.split('/')[0]).sort()).toEqual([
      'Deployment',
      'Job',
      'StatefulSet',
      'StatefulSet',
    ]);
    // What the operator creates at run time, from its own pure functions.
    const run = {
      apiVersion: 'reco.mlops.dev/v1alpha1',
      kind: 'TrainingRun',
      metadata: { name: 'r1', namespace: ns.name, uid: '00000000-0000-0000-0000-000000000001' },
      spec: { model: 'movielens', backendSecretRef: { name: 'b' } },
    } as unknown as TrainingRun;
    const release = {
      apiVersion: 'reco.mlops.dev/v1alpha1',
      kind: 'ModelRelease',
      metadata: { name: 'movielens', namespace: ns.name, uid: '00000000-0000-0000-0000-000000000002' },
      spec: { model: 'movielens', serving: { backendSecretRef: { name: 'b' } } },
    } as unknown as ModelRelease;
    templates.push({ owner: 'trainer Job', template: desiredJob(run, { image: 'movie-reco:0.1.0' }).spec!.template });
    templates.push({
      owner: 'inference Deployment',
      template: desiredDeployment(
        release,
        { run: 'r1', artifactUri: 's3://b/m', digest: 'sha256:00' },
        { image: 'movie-reco:0.1.0' },
      ).spec!.template,
    });
    for (const { owner, template } of templates) {
      const body: k8s.V1Pod = {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          name: `psa-${owner.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`.slice(0, 63).replace(/-$/, ''),
          namespace: ns.name,
          labels: template.metadata?.labels,
        },
        spec: template.spec!,
      };
      await expect(
        core.createNamespacedPod({ namespace: ns.name, body, dryRun: 'All' }).then(() => 'admitted'),
        owner,
      ).resolves.toBe('admitted');
    }
    // The namespace really enforces: a pod without the restricted settings is refused.
    const plain: k8s.V1Pod = {
      metadata: { name: 'psa-plain', namespace: ns.name },
      spec: { containers: [{ name: 'c', image: 'busybox' }] },
    };
    await expect(core.createNamespacedPod({ namespace: ns.name, body: plain, dryRun: 'All' })).rejects.toThrow(
      /violates PodSecurity .*restricted:latest/,
    );
  });

  it('installs, upgrades and uninstalls with helm (hooks off: no kubelet runs the dataset Job)', async () => {
    const target = await createTestNamespace('chart-install', { 'pod-security.kubernetes.io/enforce': 'restricted' });
    const common = ['--kubeconfig', kubeconfigPath(), '--namespace', target.name, '--no-hooks'];
    try {
      await helm('install', 'mr', chart, ...common, '--set', 'samples.enabled=true');
      await helm(
        'upgrade',
        'mr',
        chart,
        ...common,
        '--set',
        'samples.enabled=true',
        '--set',
        'operator.workers=8',
        '--set',
        'image.tag=0.1.1',
      );
      const deployment = await kc
        .makeApiClient(k8s.AppsV1Api)
        .readNamespacedDeployment({ namespace: target.name, name: 'mr-movie-reco-operator' });
      expect(deployment.spec!.template.spec!.containers[0]!.args).toContain('--workers=8');
      expect(deployment.spec!.template.spec!.containers[0]!.image).toBe('movie-reco:0.1.1');
      expect(await helm('status', 'mr', '--kubeconfig', kubeconfigPath(), '--namespace', target.name)).toMatch(
        /STATUS: deployed/,
      );
      const rbacApi = kc.makeApiClient(k8s.RbacAuthorizationV1Api);
      expect((await rbacApi.readClusterRole({ name: `${target.name}-mr-movie-reco-operator` })).rules).toHaveLength(9);
      await helm('uninstall', 'mr', '--kubeconfig', kubeconfigPath(), '--namespace', target.name, '--no-hooks');
      await expect(rbacApi.readClusterRole({ name: `${target.name}-mr-movie-reco-operator` })).rejects.toThrow(/404/);
    } finally {
      await target.delete();
    }
  });

  it("grants the operator's ServiceAccount what it uses, nothing cluster-wide it does not need (can-i)", async () => {
    const release = `canI${Date.now().toString(36)}`.toLowerCase();
    const { objects } = await render(ns.name, '--set', `fullnameOverride=${release}`);
    const rbac = objects.filter((o) =>
      ['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'].includes(o.kind),
    );
    const file = join(scratch(), 'rbac.yaml');
    writeFileSync(file, rbac.map((o) => k8s.dumpYaml(o)).join('\n---\n'));
    await kubectl('apply', '--server-side', '--field-manager=chart-test', '-f', file);
    const sa = objects.find((o) => o.kind === 'ServiceAccount')!.metadata.name;
    const as = `system:serviceaccount:${ns.name}:${sa}`;
    try {
      const canI = async (verb: string, resource: string, namespace?: string) => {
        const scope = namespace ? ['-n', namespace] : ['--all-namespaces'];
        const [plural, subresource] = resource.split('/');
        return kubectl(
          'auth',
          'can-i',
          verb,
          plural!,
          ...(subresource ? [`--subresource=${subresource}`] : []),
          '--as',
          as,
          ...scope,
        ).then(
          ({ stdout }) => stdout.trim(),
          (e: { stdout?: string }) => (e.stdout ?? '').trim(),
        );
      };
      const allowed: [string, string, string?][] = [
        ['watch', 'trainingruns.reco.mlops.dev'],
        ['list', 'modelreleases.reco.mlops.dev'],
        ['patch', 'trainingruns.reco.mlops.dev/status'],
        ['patch', 'modelreleases.reco.mlops.dev/status'],
        ['create', 'trainingruns.reco.mlops.dev'],
        ['delete', 'trainingruns.reco.mlops.dev'],
        ['create', 'jobs.batch'],
        ['watch', 'jobs.batch'],
        ['list', 'pods'],
        ['watch', 'pods'],
        ['create', 'deployments.apps'],
        ['patch', 'deployments.apps'],
        ['patch', 'services'],
        ['create', 'horizontalpodautoscalers.autoscaling'],
        ['delete', 'horizontalpodautoscalers.autoscaling'],
        ['create', 'events'],
        ['get', 'leases.coordination.k8s.io', ns.name],
        ['update', 'leases.coordination.k8s.io', ns.name],
      ];
      const denied: [string, string, string?][] = [
        ['get', 'secrets'],
        ['list', 'secrets'],
        ['get', 'configmaps'],
        ['create', 'pods'],
        ['delete', 'pods'],
        ['get', 'pods/log'],
        ['create', 'pods/exec'],
        ['update', 'trainingruns.reco.mlops.dev'],
        ['patch', 'modelreleases.reco.mlops.dev'],
        ['delete', 'modelreleases.reco.mlops.dev'],
        ['delete', 'jobs.batch'],
        ['update', 'jobs.batch'],
        ['delete', 'deployments.apps'],
        ['delete', 'services'],
        ['get', 'services'],
        ['create', 'customresourcedefinitions.apiextensions.k8s.io'],
        ['create', 'clusterroles.rbac.authorization.k8s.io'],
        ['create', 'rolebindings.rbac.authorization.k8s.io'],
        ['list', 'nodes'],
        ['create', 'namespaces'],
        ['impersonate', 'serviceaccounts'],
        ['create', 'serviceaccounts/token'],
        ['get', 'leases.coordination.k8s.io'],
        ['delete', 'leases.coordination.k8s.io', ns.name],
        ['get', 'leases.coordination.k8s.io', 'kube-system'],
        ['escalate', 'clusterroles.rbac.authorization.k8s.io'],
      ];
      const answers = await Promise.all(
        [...allowed, ...denied].map(
          async ([verb, resource, namespace]) =>
            [
              `${verb} ${resource}${namespace ? ` -n ${namespace}` : ' (all namespaces)'}`,
              await canI(verb, resource, namespace),
            ] as const,
        ),
      );
      const expected = [...allowed.map(() => 'yes'), ...denied.map(() => 'no')];
      expect(Object.fromEntries(answers)).toEqual(Object.fromEntries(answers.map(([k], i) => [k, expected[i]])));
    } finally {
      for (const o of rbac.filter((o) => o.kind.startsWith('Cluster')))
        await kubectl('delete', o.kind, o.metadata.name, '--ignore-not-found').catch(() => {});
    }
  });
});

// ---- monitoring ----

/** Every PromQL expression of the dashboard, with Grafana's variables replaced by what Prometheus would see. */
function dashboardExpressions(): { title: string; expr: string }[] {
  const dashboard = JSON.parse(readFileSync(dashboardFile, 'utf8')) as {
    panels: { title: string; targets?: { expr: string }[] }[];
    templating: { list: { query?: unknown }[] };
  };
  const out = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ title: p.title, expr: t.expr })));
  for (const v of dashboard.templating.list) {
    const q = (v.query as { query?: string } | undefined)?.query;
    const m = q && (/^label_values\((.+),\s*\w+\)$/.exec(q) ?? /^query_result\((.+)\)$/.exec(q));
    if (m) out.push({ title: 'variable', expr: m[1]! });
  }
  return out.map(({ title, expr }) => ({
    title,
    expr: expr.replaceAll('$__rate_interval', '5m').replaceAll('$namespace', '.*'),
  }));
}

function ruleExpressions(): { title: string; expr: string }[] {
  const rules = k8s.loadYaml<{ groups: { rules: { alert?: string; record?: string; expr: string }[] }[] }>(
    readFileSync(rulesFile, 'utf8'),
  );
  return rules.groups.flatMap((g) => g.rules.map((r) => ({ title: r.alert ?? r.record ?? '', expr: r.expr })));
}

const promqlWords = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'offset',
  'bool',
  'and',
  'or',
  'unless',
  'inf',
  'nan',
]);

/**
 * The metric names a PromQL expression selects (identifiers that are neither functions, keywords,
 * label names nor strings).
 */
function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\[[^\]]*\]/g, '');
  const names = new Set<string>();
  for (const m of stripped.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)) {
    const after = stripped.slice(m.index + m[0].length);
    if (/^\s*\(/.test(after)) continue; // a function or aggregation
    if (promqlWords.has(m[0].toLowerCase())) continue;
    if (/^[0-9.]*e/i.test(m[0])) continue;
    const before = stripped.slice(0, m.index);
    if (/[0-9.]$/.test(before)) continue; // the unit of a number (1e3) or a duration
    names.add(m[0]);
  }
  return [...names];
}

/** Metric names from a Prometheus text exposition, histograms and summaries with their series suffixes. */
function exposedNames(exposition: string): Set<string> {
  const names = new Set<string>();
  for (const m of exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    const [, name, type] = m as unknown as [string, string, string];
    names.add(name);
    if (type === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(name + s);
    if (type === 'summary') for (const s of ['_sum', '_count']) names.add(name + s);
  }
  return names;
}

describe('monitoring', () => {
  it('passes promtool check rules', async () => {
    const { stdout } = await run(promtoolBinary(), ['check', 'rules', rulesFile]);
    expect(stdout).toMatch(/SUCCESS: 6 rules found/);
  });

  it('fires each alert on the series that mean it, and none on a clean install (promtool test rules)', async () => {
    const tests = join(deploy, 'monitoring', 'movie-reco.rules.test.yaml');
    const { stdout } = await run(promtoolBinary(), ['test', 'rules', tests]);
    expect(stdout).toMatch(/SUCCESS/);
  });

  it('has dashboard expressions that parse (promtool, as recording rules)', async () => {
    const exprs = dashboardExpressions();
    expect(exprs.length).toBeGreaterThan(15);
    const file = join(scratch(), 'dashboard.rules.yaml');
    writeFileSync(
      file,
      JSON.stringify({
        groups: [{ name: 'dashboard', rules: exprs.map((e, i) => ({ record: `dashboard:expr_${i}`, expr: e.expr })) }],
      }),
    );
    const { stdout } = await run(promtoolBinary(), ['check', 'rules', file]);
    expect(stdout).toMatch(new RegExp(`SUCCESS: ${exprs.length} rules found`));
  });

  it('extracts metric names from PromQL', () => {
    expect(
      metricNames(
        'histogram_quantile(0.99, sum by (namespace, le) (rate(a_bucket{route=~"/v1/.*"}[5m]))) > 0.3',
      ).sort(),
    ).toEqual(['a_bucket']);
    expect(
      metricNames('time() - min by (m) (x * on (namespace, pod) group_left (model) y) > 7 * 86400').sort(),
    ).toEqual(['x', 'y']);
    expect(metricNames('(delta(a{phase="Failed"}[6h]) >= 3) unless on (model) (delta(b[6h]) > 0)').sort()).toEqual([
      'a',
      'b',
    ]);
    expect(metricNames('absent(q == 1) or 1e3').sort()).toEqual(['q']);
  });

  it('names only metrics that the running operator and inference service serve on /metrics', async () => {
    const log = createLogger({}, { write: () => {} });
    const operatorMetrics = new OperatorMetrics();
    const probe = await startProbeServer(0, operatorMetrics, () => true, '127.0.0.1');
    const serviceMetrics = createServiceMetrics();
    const holder = new ModelHolder(
      async () => {
        throw new Error('no model in this test');
      },
      serviceMetrics,
      log,
    );
    const inference = await listen(createApp({ holder, metrics: serviceMetrics, log }), '127.0.0.1', 0, log);
    let exposed: Set<string>;
    try {
      const texts = await Promise.all(
        [`http://127.0.0.1:${probe.port}/metrics`, `http://127.0.0.1:${inference.port}/metrics`].map(async (url) => {
          const response = await fetch(url);
          expect(response.status, url).toBe(200);
          return response.text();
        }),
      );
      exposed = exposedNames(texts.join('\n'));
    } finally {
      await probe.close();
      await inference.drain(0);
    }
    // `up` is the scrape's own series, written by Prometheus for every target.
    exposed.add('up');
    const unknown: string[] = [];
    for (const { title, expr } of [...dashboardExpressions(), ...ruleExpressions()]) {
      const names = metricNames(expr);
      expect(names.length, `${title}: ${expr}`).toBeGreaterThan(0);
      for (const name of names) if (!exposed.has(name)) unknown.push(`${title}: ${name}`);
    }
    expect(unknown).toEqual([]);
    // And the panels the issue lists are there.
    const all = [...dashboardExpressions(), ...ruleExpressions()].map((e) => e.expr).join('\n');
    for (const name of [
      'movie_reco_champion_metric',
      'movie_reco_promotions_total',
      'movie_reco_training_runs',
      'http_request_duration_seconds_bucket',
      'movie_reco_recommendations_total',
      'movie_reco_ratings_stored_total',
      'controller_runtime_reconcile_errors_total',
      'workqueue_depth',
    ]) {
      expect(all).toContain(name);
    }
  });
});
