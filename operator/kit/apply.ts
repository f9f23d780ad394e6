/**
 * Server-side apply with the operator's field manager: idempotent (re-applying the same object
 * changes nothing, not even resourceVersion) and it only claims the fields the operator sets, so
 * an HPA's replica count or another controller's fields are left alone.
 */
import * as k8s from '@kubernetes/client-node';

export const fieldManager = 'movie-reco-operator';

export function makeApplier(kc: k8s.KubeConfig): <T extends k8s.KubernetesObject>(object: T) => Promise<T> {
  const api = k8s.KubernetesObjectApi.makeApiClient(kc);
  return (object) => api.patch(object, undefined, undefined, fieldManager, true, k8s.PatchStrategy.ServerSideApply);
}
