/**
 * The runner's Node, kept alive as a kubelet keeps its own: a Ready condition and capacity in the
 * Node's status, and a Lease in kube-node-lease renewed every 10 s. Without them, the node
 * lifecycle controller of kube-controller-manager marks the node unreachable, taints it and
 * evicts its pods.
 */
import { randomUUID } from 'node:crypto';
import { arch, availableParallelism, release, totalmem } from 'node:os';
import * as k8s from '@kubernetes/client-node';

const leaseNamespace = 'kube-node-lease';
const leaseDurationSeconds = 40;
const renewIntervalMs = 10_000;
export const hostIP = '127.0.0.1';
const mergePatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

export interface RegisteredNode {
  readonly name: string;
  /** Deletes the Node and its Lease. */
  stop(): Promise<void>;
}

const microTime = () => `${new Date().toISOString().slice(0, -1)}000Z`;
const notFound = (error: unknown) => error instanceof k8s.ApiException && error.code === 404;
const conflict = (error: unknown) => error instanceof k8s.ApiException && error.code === 409;

export async function registerNode(
  kc: k8s.KubeConfig,
  name: string,
  maxPods: number,
  warn: (message: string, error: unknown) => void,
): Promise<RegisteredNode> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const coordination = kc.makeApiClient(k8s.CoordinationV1Api);
  const { gitVersion } = await kc.makeApiClient(k8s.VersionApi).getCode();
  const goArch = arch() === 'x64' ? 'amd64' : arch();
  const labels = {
    'kubernetes.io/hostname': name,
    'kubernetes.io/os': 'linux',
    'kubernetes.io/arch': goArch,
    'reco.mlops.dev/pod-runner': 'true',
  };
  let node: k8s.V1Node;
  try {
    node = await core.createNode({ body: { apiVersion: 'v1', kind: 'Node', metadata: { name, labels } } });
  } catch (error) {
    if (!conflict(error)) throw error;
    node = await core.readNode({ name });
  }
  const registeredAt = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  const resources = {
    cpu: String(availableParallelism()),
    memory: `${Math.floor(totalmem() / 1024)}Ki`,
    pods: String(maxPods),
  };
  const bootID = randomUUID();

  const reportStatus = async () => {
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    const condition = (type: string, status: string, reason: string, message: string) => ({
      type,
      status,
      reason,
      message,
      lastHeartbeatTime: now,
      lastTransitionTime: registeredAt,
    });
    await core.patchNodeStatus(
      {
        name,
        body: {
          status: {
            conditions: [
              condition(
                'MemoryPressure',
                'False',
                'KubeletHasSufficientMemory',
                'pod runner has sufficient memory available',
              ),
              condition('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'pod runner has no disk pressure'),
              condition('PIDPressure', 'False', 'KubeletHasSufficientPID', 'pod runner has sufficient PID available'),
              condition('Ready', 'True', 'KubeletReady', 'movie-reco pod runner is posting ready status'),
            ],
            addresses: [
              { type: 'InternalIP', address: hostIP },
              { type: 'Hostname', address: name },
            ],
            capacity: resources,
            allocatable: resources,
            nodeInfo: {
              architecture: goArch,
              bootID,
              containerRuntimeVersion: 'pod-runner://0.1.0',
              kernelVersion: release(),
              kubeProxyVersion: '',
              kubeletVersion: gitVersion,
              machineID: bootID.replaceAll('-', ''),
              operatingSystem: 'linux',
              osImage: 'movie-reco test pod runner (local processes)',
              systemUUID: bootID,
            },
          },
        },
      },
      mergePatch,
    );
  };

  const renewLease = async () => {
    try {
      await coordination.patchNamespacedLease(
        { name, namespace: leaseNamespace, body: { spec: { holderIdentity: name, renewTime: microTime() } } },
        mergePatch,
      );
    } catch (error) {
      if (!notFound(error)) throw error;
      await coordination.createNamespacedLease({
        namespace: leaseNamespace,
        body: {
          metadata: {
            name,
            namespace: leaseNamespace,
            ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name, uid: node.metadata!.uid! }],
          },
          spec: { holderIdentity: name, leaseDurationSeconds, renewTime: new k8s.V1MicroTime() },
        },
      });
    }
  };

  await reportStatus();
  await renewLease();
  const heartbeat = setInterval(() => {
    void Promise.all([renewLease(), reportStatus()]).catch((error: unknown) => warn('node heartbeat failed', error));
  }, renewIntervalMs);
  heartbeat.unref();

  return {
    name,
    async stop() {
      clearInterval(heartbeat);
      await coordination.deleteNamespacedLease({ name, namespace: leaseNamespace }).catch((error: unknown) => {
        if (!notFound(error)) warn('could not delete the node lease', error);
      });
      await core.deleteNode({ name }).catch((error: unknown) => {
        if (!notFound(error)) warn('could not delete the node', error);
      });
    },
  };
}
