/**
 * etcd, kube-apiserver and kube-controller-manager of their own with a node joined, for tests that
 * must not share the environment's control plane with the pod runner (whose pods the node's
 * scheduler would bind). The controller manager's node lifecycle controller lifts the not-ready
 * taint the kubelet registers the node with, and its service-account controllers let pods carry tokens
 * (the operator's own pod reaches the API server with one).
 */
import { join } from 'node:path';
import type { Logger } from '../../common/log.ts';
import { resolveGoTool } from '../binaries.ts';
import { startEtcd } from '../etcd.ts';
import { startKubeApiServer } from '../kube-apiserver.ts';
import { startKubeControllerManager } from '../kube-controller-manager.ts';
import { createControlPlanePki } from '../pki.ts';
import type { ManagedProcess } from '../processes.ts';
import { startNode, type TestNode } from './node.ts';

export interface ClusterWithNode {
  readonly adminKubeconfig: string;
  readonly node: TestNode;
  /** The node first, then the control plane. */
  stop(): Promise<void>;
}

export async function startClusterWithNode(dir: string, log: Logger): Promise<ClusterWithNode> {
  const controlPlane: ManagedProcess[] = [];
  let node: TestNode | undefined;
  const stop = async () => {
    try {
      await node?.stop();
    } finally {
      for (const proc of controlPlane.reverse()) await proc.stop();
    }
  };
  try {
    const pki = await createControlPlanePki(join(dir, 'pki'));
    const etcd = await startEtcd((await resolveGoTool('etcd', log)).path, dir);
    controlPlane.push(etcd.process);
    const binaries = {
      apiserver: (await resolveGoTool('kube-apiserver', log)).path,
      controllerManager: (await resolveGoTool('kube-controller-manager', log)).path,
    };
    const apiserver = await startKubeApiServer(binaries.apiserver, dir, etcd.url, pki, { serviceAccountTokens: true });
    controlPlane.push(apiserver.process);
    const { adminKubeconfig } = apiserver;
    const kcmInputs = {
      binary: binaries.controllerManager,
      kubeconfig: adminKubeconfig,
      caCert: pki.caCert,
      serviceAccountKey: pki.serviceAccountKey,
    };
    controlPlane.push((await startKubeControllerManager(kcmInputs, dir)).process);
    const ca = { cert: pki.caCert, key: pki.caKey };
    node = await startNode({ dir: join(dir, 'node'), apiServerUrl: apiserver.url, adminKubeconfig, ca, log });
    return { adminKubeconfig, node, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
