import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  adminKubeConfig,
  createTestNamespace,
  helmBinary,
  kubeconfigPath,
  promtoolBinary,
  testEnv,
  type TestNamespace,
} from './fixtures.ts';

const run = promisify(execFile);
const work = () => mkdtempSync(join(testEnv('MOVIE_RECO_TEST_ENV_DIR'), 'cli-tools-'));

describe('helm from the test environment', () => {
  let namespace: TestNamespace;
  beforeAll(async () => {
    namespace = await createTestNamespace('smoke-helm');
  });
  afterAll(async () => {
    await namespace?.delete();
  });

  it('installs a chart into the test kube-apiserver', async () => {
    const dir = work();
    const chart = join(dir, 'chart');
    mkdirSync(join(chart, 'templates'), { recursive: true });
    writeFileSync(join(chart, 'Chart.yaml'), 'apiVersion: v2\nname: smoke\nversion: 0.1.0\n');
    writeFileSync(join(chart, 'values.yaml'), 'greeting: hello\n');
    writeFileSync(
      join(chart, 'templates/configmap.yaml'),
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n' +
        'data:\n  greeting: {{ .Values.greeting | quote }}\n',
    );
    // Helm's own cache and config go to the temporary folder, not the user's home.
    const env = {
      ...process.env,
      HELM_CACHE_HOME: join(dir, 'cache'),
      HELM_CONFIG_HOME: join(dir, 'config'),
      HELM_DATA_HOME: join(dir, 'data'),
    };
    await run(
      helmBinary(),
      [
        'install',
        'smoke',
        chart,
        '--namespace',
        namespace.name,
        '--kubeconfig',
        kubeconfigPath(),
        '--set',
        'greeting=hi',
        '--wait=false',
      ],
      { env },
    );

    const configMap = await adminKubeConfig()
      .makeApiClient(k8s.CoreV1Api)
      .readNamespacedConfigMap({ namespace: namespace.name, name: 'smoke' });
    expect(configMap.data).toEqual({ greeting: 'hi' });
  });
});

describe('promtool from the test environment', () => {
  it('accepts a valid alert rule file and refuses a broken one', async () => {
    const dir = work();
    const good = join(dir, 'good.yaml');
    const bad = join(dir, 'bad.yaml');
    writeFileSync(good, 'groups:\n- name: smoke\n  rules:\n  - alert: Down\n    expr: up == 0\n    for: 5m\n');
    writeFileSync(bad, 'groups:\n- name: smoke\n  rules:\n  - alert: Down\n    expr: up ==\n');
    await expect(run(promtoolBinary(), ['check', 'rules', good])).resolves.toBeDefined();
    await expect(run(promtoolBinary(), ['check', 'rules', bad])).rejects.toThrow(/parse error|unexpected/i);
  });
});
