import { randomBytes } from 'node:crypto';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminKubeConfig, createTestNamespace, type TestNamespace } from './fixtures.ts';
import { waitFor } from './poll.ts';

// A throwaway CRD of the smoke test's own, with a group unique to this run so that reruns
// against a long-lived `testenv up` never collide.
const group = `r${randomBytes(3).toString('hex')}.smoke.testenv.movie-reco.dev`;
const version = 'v1';
const plural = 'gadgets';

const gadgetCrd: k8s.V1CustomResourceDefinition = {
  metadata: { name: `${plural}.${group}` },
  spec: {
    group,
    scope: 'Namespaced',
    names: { plural, singular: 'gadget', kind: 'Gadget', shortNames: ['gdg'] },
    versions: [
      {
        name: version,
        served: true,
        storage: true,
        subresources: { status: {} },
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: {
                type: 'object',
                required: ['size'],
                properties: {
                  size: { type: 'integer', minimum: 1 },
                  minReplicas: { type: 'integer' },
                  maxReplicas: { type: 'integer' },
                },
                x_kubernetes_validations: [
                  {
                    rule: 'self.minReplicas <= self.maxReplicas',
                    message: 'minReplicas must not exceed maxReplicas',
                    fieldPath: '.minReplicas',
                  },
                ],
              },
              status: { type: 'object', properties: { phase: { type: 'string', _enum: ['Pending', 'Ready'] } } },
            },
          },
        },
      },
    ],
  },
};

async function waitEstablished(
  api: k8s.ApiextensionsV1Api,
  objects: k8s.CustomObjectsApi,
  name: string,
): Promise<void> {
  await waitFor(`CRD ${name} Established and served`, async () => {
    const crd = await api.readCustomResourceDefinition({ name });
    const established = crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True');
    // Established can come a moment before the new resource is served.
    return established && (await objects.listClusterCustomObject({ group, version, plural }));
  });
}

function apiError(err: unknown): { code: number; message: string } {
  if (!(err instanceof k8s.ApiException)) throw err;
  const body = typeof err.body === 'string' ? JSON.parse(err.body) : err.body;
  return { code: err.code, message: String(body?.message ?? err.message) };
}

describe('kube-apiserver from the test environment', () => {
  const kc = adminKubeConfig();
  const extensions = kc.makeApiClient(k8s.ApiextensionsV1Api);
  const objects = kc.makeApiClient(k8s.CustomObjectsApi);
  let namespace: TestNamespace;

  beforeAll(async () => {
    namespace = await createTestNamespace('smoke-crd');
    await extensions.createCustomResourceDefinition({ body: gadgetCrd });
    await waitEstablished(extensions, objects, gadgetCrd.metadata!.name!);
  });
  afterAll(async () => {
    await extensions.deleteCustomResourceDefinition({ name: gadgetCrd.metadata!.name! }).catch(() => {});
    await namespace?.delete();
  });

  it('serves on loopback with TLS and reports the pinned version', async () => {
    expect(new URL(kc.getCurrentCluster()!.server).hostname).toBe('127.0.0.1');
    const info = await kc.makeApiClient(k8s.VersionApi).getCode();
    expect(info.gitVersion).toMatch(/^v1\.\d+\.\d+$/);
  });

  it('creates a custom object and updates its status only through the status subresource', async () => {
    const ref = { group, version, plural, namespace: namespace.name };
    await objects.createNamespacedCustomObject({
      ...ref,
      body: {
        apiVersion: `${group}/${version}`,
        kind: 'Gadget',
        metadata: { name: 'g1' },
        spec: { size: 3, minReplicas: 1, maxReplicas: 2 },
      },
    });

    // A status written through the main resource is dropped...
    await objects.patchNamespacedCustomObject({
      ...ref,
      name: 'g1',
      body: [{ op: 'add', path: '/status', value: { phase: 'Ready' } }],
    });
    expect((await objects.getNamespacedCustomObject({ ...ref, name: 'g1' })).status).toBeUndefined();

    // ...and kept through /status, which in turn ignores spec changes.
    await objects.patchNamespacedCustomObjectStatus({
      ...ref,
      name: 'g1',
      body: [
        { op: 'add', path: '/status', value: { phase: 'Ready' } },
        { op: 'replace', path: '/spec/size', value: 99 },
      ],
    });
    const gadget = await objects.getNamespacedCustomObject({ ...ref, name: 'g1' });
    expect(gadget.status).toEqual({ phase: 'Ready' });
    expect(gadget.spec.size).toBe(3);
  });

  it('refuses a schema violation with a message that names the field', async () => {
    const ref = { group, version, plural, namespace: namespace.name };
    const bad = (name: string, spec: object) => ({
      apiVersion: `${group}/${version}`,
      kind: 'Gadget',
      metadata: { name },
      spec,
    });

    const openApi = await objects
      .createNamespacedCustomObject({ ...ref, body: bad('too-small', { size: 0 }) })
      .catch(apiError);
    expect(openApi).toMatchObject({ code: 422 });
    expect((openApi as { message: string }).message).toMatch(/spec\.size.*greater than or equal to 1/);

    const cel = await objects
      .createNamespacedCustomObject({ ...ref, body: bad('inverted', { size: 1, minReplicas: 3, maxReplicas: 2 }) })
      .catch(apiError);
    expect(cel).toMatchObject({ code: 422 });
    expect((cel as { message: string }).message).toMatch(/spec\.minReplicas.*minReplicas must not exceed maxReplicas/);
  });
});
