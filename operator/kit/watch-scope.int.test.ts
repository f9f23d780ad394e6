/**
 * The operator over a namespace label selector: it acts in the namespaces whose labels match, and
 * starts on a namespace when it comes to match.
 */
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../common/log.ts';
import { adminKubeConfig, createTestNamespace, type TestNamespace } from '../../testenv/fixtures.ts';
import { waitFor } from '../../testenv/poll.ts';
import { installCrds } from '../api/install-crds.ts';
import { group, version } from '../api/resources.ts';
import { Operator } from '../manager.ts';
import { getTrainingRun, trainingRunManifest } from '../testing.ts';

const kc = adminKubeConfig();
const objects = kc.makeApiClient(k8s.CustomObjectsApi);

describe('an operator watching the namespaces that match a label selector', () => {
  let selected: TestNamespace;
  let other: TestNamespace;
  let operator: Operator;
  // Unique per run: other tests' namespaces never match.
  const label = `movie-reco-test/tenant-${Date.now().toString(36)}`;

  beforeAll(async () => {
    await installCrds(kc);
    selected = await createTestNamespace('selected', { [label]: 'true' });
    other = await createTestNamespace('unselected');
    operator = new Operator({
      kc,
      log: createLogger({ test: 'watch-scope' }, { level: 'warn' }),
      namespaceSelector: `${label}=true`,
      trainerImage: 'movie-reco:test',
    });
    await operator.start();
  });
  afterAll(async () => {
    await operator?.stop();
    await Promise.all([selected?.delete(), other?.delete()]);
  });

  const createRun = (namespace: string, name: string) =>
    objects.createNamespacedCustomObject({
      group,
      version,
      namespace,
      plural: 'trainingruns',
      body: trainingRunManifest(name),
    });
  const phaseOf = async (namespace: string, name: string) => (await getTrainingRun(kc, namespace, name)).status?.phase;

  it('reconciles runs in matching namespaces only, and a namespace from when it is labelled', async () => {
    // Created first: by the time the later run in the selected namespace is Pending, this one was seen.
    await createRun(other.name, 'ignored');
    await createRun(selected.name, 'watched');
    await waitFor(
      'the selected namespace reconciled',
      async () => (await phaseOf(selected.name, 'watched')) === 'Pending',
    );
    expect(await phaseOf(other.name, 'ignored')).toBeUndefined();
    expect(await kc.makeApiClient(k8s.BatchV1Api).listNamespacedJob({ namespace: other.name })).toMatchObject({
      items: [],
    });

    await kc
      .makeApiClient(k8s.CoreV1Api)
      .patchNamespace(
        { name: other.name, body: { metadata: { labels: { [label]: 'true' } } } },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      );
    await waitFor(
      'the newly labelled namespace reconciled',
      async () => (await phaseOf(other.name, 'ignored')) === 'Pending',
    );
  });
});
