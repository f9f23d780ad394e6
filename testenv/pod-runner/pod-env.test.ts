import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { ContainerConfigError, containerEnv, expandReferences, type EnvSources } from './pod-env.ts';

const pod: V1Pod = {
  metadata: { name: 'web-1', namespace: 'shop', uid: 'u-1', labels: { app: 'web' }, annotations: { note: 'hi' } },
  spec: { nodeName: 'node-a', serviceAccountName: 'sa', containers: [] },
};
const fields = { podIP: '127.0.1.7', hostIP: '127.0.0.1' };
const sources = (
  secrets: Record<string, Record<string, string>>,
  configMaps: Record<string, Record<string, string>> = {},
): EnvSources => ({
  secret: async (namespace, name) => (namespace === 'shop' ? secrets[name] : undefined),
  configMap: async (namespace, name) => (namespace === 'shop' ? configMaps[name] : undefined),
});
const env = (container: Partial<V1Container>, s: EnvSources) =>
  containerEnv(pod, { name: 'c', ...container }, fields, s);

describe('a container environment', () => {
  it('takes envFrom first (with prefixes), then env in order, later names winning', async () => {
    const result = await env(
      {
        envFrom: [{ secretRef: { name: 'backend' } }, { configMapRef: { name: 'settings' }, prefix: 'APP_' }],
        env: [
          { name: 'A', value: 'from-env' },
          { name: 'URL', value: 'http://$(HOST):$(PORT)/$(MISSING) $$(HOST)' },
          { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'backend', key: 'password' } } },
          { name: 'LEVEL', valueFrom: { configMapKeyRef: { name: 'settings', key: 'level' } } },
          { name: 'OPTIONAL', valueFrom: { secretKeyRef: { name: 'absent', key: 'x', optional: true } } },
        ],
      },
      sources(
        { backend: { A: 'from-secret', HOST: 'db', password: 's3cret' } },
        { settings: { level: 'debug', PORT: '1' } },
      ),
    );
    expect(result).toEqual({
      A: 'from-env',
      HOST: 'db',
      password: 's3cret',
      APP_level: 'debug',
      APP_PORT: '1',
      URL: 'http://db:$(PORT)/$(MISSING) $(HOST)',
      PASSWORD: 's3cret',
      LEVEL: 'debug',
    });
  });

  it('reads the downward API', async () => {
    const paths = [
      'metadata.name',
      'metadata.namespace',
      'metadata.uid',
      "metadata.labels['app']",
      "metadata.annotations['note']",
      'spec.nodeName',
      'spec.serviceAccountName',
      'status.podIP',
      'status.hostIP',
    ];
    const result = await env(
      { env: paths.map((fieldPath, i) => ({ name: `F${i}`, valueFrom: { fieldRef: { fieldPath } } })) },
      sources({}),
    );
    expect(Object.values(result)).toEqual([
      'web-1',
      'shop',
      'u-1',
      'web',
      'hi',
      'node-a',
      'sa',
      '127.0.1.7',
      '127.0.0.1',
    ]);
  });

  it('is a CreateContainerConfigError while a Secret, a ConfigMap or a key is missing', async () => {
    await expect(env({ envFrom: [{ secretRef: { name: 'later' } }] }, sources({}))).rejects.toThrow(
      new ContainerConfigError('secret "later" not found'),
    );
    await expect(env({ envFrom: [{ configMapRef: { name: 'cm' } }] }, sources({}))).rejects.toThrow(
      'configmap "cm" not found',
    );
    await expect(
      env({ env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }] }, sources({ s: {} })),
    ).rejects.toThrow("couldn't find key k in Secret shop/s");
    await expect(env({ envFrom: [{ secretRef: { name: 'later', optional: true } }] }, sources({}))).resolves.toEqual(
      {},
    );
    await expect(
      env({ env: [{ name: 'X', valueFrom: { resourceFieldRef: { resource: 'limits.cpu' } } }] }, sources({})),
    ).rejects.toBeInstanceOf(ContainerConfigError);
  });

  it('expands $(VAR) as Kubernetes does', () => {
    expect(expandReferences('$(A)-$(B)-$$(A)-$$-$(', { A: '1' })).toBe('1-$(B)-$(A)-$-$(');
  });
});
