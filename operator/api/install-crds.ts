/** Creates or updates the project's CRDs and waits until the API server serves them. */
import { setTimeout as sleep } from 'node:timers/promises';
import * as k8s from '@kubernetes/client-node';
import { crdFiles, readCrd } from './schema-to-typescript.ts';

export async function installCrds(kc: k8s.KubeConfig, timeoutMs = 30_000): Promise<void> {
  const api = kc.makeApiClient(k8s.ApiextensionsV1Api);
  for (const file of crdFiles) {
    const crd = readCrd(file);
    const name = crd.metadata!.name!;
    try {
      await api.createCustomResourceDefinition({ body: crd });
    } catch (error) {
      if (!(error instanceof k8s.ApiException && error.code === 409)) throw error;
      const current = await api.readCustomResourceDefinition({ name });
      await api.replaceCustomResourceDefinition({
        name,
        body: { ...crd, metadata: { ...crd.metadata, resourceVersion: current.metadata?.resourceVersion } },
      });
    }
  }
  const deadline = Date.now() + timeoutMs;
  for (const file of crdFiles) {
    const name = readCrd(file).metadata!.name!;
    for (;;) {
      const crd = await api.readCustomResourceDefinition({ name });
      if (crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) break;
      if (Date.now() > deadline) throw new Error(`CRD ${name} not Established after ${timeoutMs} ms`);
      await sleep(100);
    }
  }
}
