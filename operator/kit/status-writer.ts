/**
 * Status writes through the /status subresource as a JSON merge patch carrying the
 * resourceVersion the decision was made from: a decision made from a stale cache gets 409 and is
 * made again, instead of overwriting newer status (and its Events are not recorded twice).
 */
import * as k8s from '@kubernetes/client-node';
import { apiVersion, group, version, type ResourceRef } from '../api/resources.ts';

export async function patchStatus(
  objects: k8s.CustomObjectsApi,
  resource: ResourceRef,
  metadata: k8s.V1ObjectMeta,
  status: object,
): Promise<void> {
  await objects.patchNamespacedCustomObjectStatus(
    {
      group,
      version,
      plural: resource.plural,
      namespace: metadata.namespace!,
      name: metadata.name!,
      body: { apiVersion, kind: resource.kind, metadata: { resourceVersion: metadata.resourceVersion }, status },
    },
    k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
  );
}
