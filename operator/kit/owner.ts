import type { V1ObjectMeta, V1OwnerReference } from '@kubernetes/client-node';

interface Owner {
  apiVersion: string;
  kind: string;
  metadata: V1ObjectMeta;
}

/** The controller reference children carry, so that garbage collection and watches lead back to the owner. */
export function controllerReference(owner: Owner): V1OwnerReference {
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: owner.metadata.name!,
    uid: owner.metadata.uid!,
    controller: true,
    blockOwnerDeletion: true,
  };
}

export function controllerOf(meta: V1ObjectMeta | undefined): V1OwnerReference | undefined {
  return meta?.ownerReferences?.find((ref) => ref.controller);
}
