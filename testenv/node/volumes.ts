/**
 * Volumes for the node's pods without a provisioner: a hostPath PersistentVolume made for one claim
 * (claimRef), as an administrator pre-provisions storage. Its folder belongs to the pod's user, so
 * a restricted pod writes there without fsGroup (hostPath volumes take no ownership change).
 */
import { chownSync, mkdirSync } from 'node:fs';
import type * as k8s from '@kubernetes/client-node';

export interface HostPathVolume {
  /** The PersistentVolume's name. */
  readonly name: string;
  readonly path: string;
  /** The claim it is reserved for; the claim may be made later (a StatefulSet's volumeClaimTemplate). */
  readonly claim: { readonly namespace: string; readonly name: string };
  /** Made and handed to this user; absent: the folder exists and is used as it is, read-only. */
  readonly owner?: { readonly uid: number; readonly gid: number };
  readonly size?: string;
}

export function hostPathPersistentVolume(volume: HostPathVolume): k8s.V1PersistentVolume {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name: volume.name },
    spec: {
      capacity: { storage: volume.size ?? '5Gi' },
      accessModes: [volume.owner ? 'ReadWriteOnce' : 'ReadOnlyMany'],
      persistentVolumeReclaimPolicy: 'Retain',
      storageClassName: '',
      claimRef: { namespace: volume.claim.namespace, name: volume.claim.name },
      hostPath: { path: volume.path, type: 'Directory' },
    },
  };
}

export async function provideHostPathVolume(core: k8s.CoreV1Api, volume: HostPathVolume): Promise<void> {
  if (volume.owner) {
    mkdirSync(volume.path, { recursive: true });
    chownSync(volume.path, volume.owner.uid, volume.owner.gid);
  }
  await core.createPersistentVolume({ body: hostPathPersistentVolume(volume) });
}

/** The claim for a read-only volume made above (a StatefulSet makes its own). */
export async function claimReadOnlyVolume(core: k8s.CoreV1Api, volume: HostPathVolume): Promise<void> {
  await core.createNamespacedPersistentVolumeClaim({
    namespace: volume.claim.namespace,
    body: {
      metadata: { name: volume.claim.name },
      spec: {
        accessModes: ['ReadOnlyMany'],
        storageClassName: '',
        volumeName: volume.name,
        resources: { requests: { storage: volume.size ?? '5Gi' } },
      },
    },
  });
}
