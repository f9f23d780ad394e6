/**
 * A real Kubernetes node for the test environment: containerd + runc, the kubelet, kube-scheduler,
 * kube-proxy and CoreDNS, pods on a CNI bridge in network namespaces of their own, joined to the
 * test API server, which pods reach through the `kubernetes` Service (api-relay.ts). Images are
 * imported into containerd directly (pods use imagePullPolicy Never or IfNotPresent). stop() leaves
 * no process, mount, network namespace, iptables chain, cgroup or sysctl change behind (host-state.ts).
 *
 *   const node = await startNode({ dir, apiServerUrl, adminKubeconfig, ca, log });
 *   await node.importImage('dist/image/movie-reco-0.1.0.oci.tar');
 *   ... create pods ...
 *   await node.stop();
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as k8s from '@kubernetes/client-node';
import type { Logger } from '../../common/log.ts';
import { resolveGoTool } from '../binaries.ts';
import { nodeDebianPackages, requireDebianPackages } from '../debian-packages.ts';
import { waitFor } from '../poll.ts';
import { logTail, type ManagedProcess, startManaged } from '../processes.ts';
import { type ApiServerRelay, startApiServerRelay } from './api-relay.ts';
import { clusterDnsAddress, clusterDomain, startClusterDns } from './cluster-dns.ts';
import { startContainerd } from './containerd.ts';
import { cgroupHierarchies, recordHostState, removeLeftovers } from './host-state.ts';
import { startKubelet } from './kubelet.ts';
import { bridgeName, cniBinDir, createBridge, guardEgress, podCidr, writeCniConfig } from './network.ts';
import { lockMachine, machineLockTakenOver, unlockMachine } from './machine-lock.ts';
import { startKubeProxy, startKubeScheduler } from './node-services.ts';
import { pauseImage } from './pause.ts';

/**
 * The kubelet refuses a loopback --node-ip, but takes an IP given as the node's name for its address:
 * the API server reaches it (logs, exec) on loopback.
 */
export const nodeName = '127.0.0.1';
const nftTable = 'kube-proxy';
const janitorScript = fileURLToPath(new URL('./janitor.ts', import.meta.url));

export interface NodeInputs {
  /** Everything the node writes goes under it. */
  readonly dir: string;
  readonly apiServerUrl: string;
  readonly adminKubeconfig: string;
  readonly ca: { readonly cert: string; readonly key: string };
  readonly log: Logger;
}

export interface TestNode {
  readonly name: string;
  readonly containerdSocket: string;
  importImage(archive: string): Promise<void>;
  /** The same image under another reference, as a registry would give a new tag. */
  tagImage(source: string, target: string): Promise<void>;
  stop(): Promise<void>;
}

async function bindNodeRole(kubeConfig: k8s.KubeConfig): Promise<void> {
  // The API server authorizes with RBAC alone: the system:node role, bound to this node's user.
  const rbac = kubeConfig.makeApiClient(k8s.RbacAuthorizationV1Api);
  const body = {
    metadata: { name: `movie-reco-testenv:${nodeName}` },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:node' },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: `system:node:${nodeName}` }],
  };
  await rbac.createClusterRoleBinding({ body }).catch((err: { code?: number }) => {
    if (err.code !== 409) throw err;
  });
}

async function nodeReady(kubeConfig: k8s.KubeConfig): Promise<void> {
  const core = kubeConfig.makeApiClient(k8s.CoreV1Api);
  await waitFor(
    `node ${nodeName} Ready`,
    async () => {
      const node = await core.readNode({ name: nodeName });
      return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
    },
    { timeoutMs: 120_000, intervalMs: 250 },
  );
}

export async function startNode(inputs: NodeInputs): Promise<TestNode> {
  const { dir, log } = inputs;
  const started = Date.now();
  await requireDebianPackages(nodeDebianPackages, 'the real node');
  const binaries = {
    kubelet: (await resolveGoTool('kubelet', log)).path,
    scheduler: (await resolveGoTool('kube-scheduler', log)).path,
    proxy: (await resolveGoTool('kube-proxy', log)).path,
    coredns: (await resolveGoTool('coredns', log)).path,
  };
  const pause = await pauseImage();
  await lockMachine(600_000);
  const cgroupRoot = `/movie-reco-testenv-${process.pid}`;
  mkdirSync(dir, { recursive: true });
  const record = join(dir, 'host-record.json');
  let janitor: ManagedProcess;
  try {
    const leftovers = await removeLeftovers(bridgeName);
    if (leftovers.length > 0) log.warn("removed an earlier node's leftovers", { leftovers });
    writeFileSync(record, JSON.stringify(await recordHostState({ dir, bridge: bridgeName, cgroupRoot, nftTable })));
    // Started first and stopped last: it puts the machine back even if this process dies.
    janitor = startManaged('node janitor', process.execPath, [janitorScript, record, String(process.pid)], {
      logFile: join(dir, 'janitor.log'),
      graceMs: 60_000,
      passExitStatus: true,
    });
    const started = janitor;
    await machineLockTakenOver(() => started.isRunning());
  } catch (err) {
    unlockMachine();
    throw err;
  }
  const running: ManagedProcess[] = [];
  let relay: ApiServerRelay | undefined;

  const stop = async () => {
    await relay?.close();
    for (const proc of running.reverse()) {
      const stopping = Date.now();
      await proc.stop();
      log.debug('stopped', { process: proc.name, seconds: (Date.now() - stopping) / 1000 });
    }
    await janitor.stop();
    if ((await janitor.exited) !== 0) throw new Error(`the node's janitor failed:\n${logTail(janitor.logFile)}`);
  };

  try {
    for (const hierarchy of cgroupHierarchies()) mkdirSync(join(hierarchy, cgroupRoot), { recursive: true });
    await createBridge();
    const containerdDir = join(dir, 'containerd');
    const containerd = await startContainerd(containerdDir, pause.reference, cniBinDir);
    running.push(containerd.process);
    writeCniConfig(join(containerdDir, 'cni'), join(dir, 'cni-ipam'));
    await guardEgress();
    await containerd.importImage(pause.archive);

    const kubeConfig = new k8s.KubeConfig();
    kubeConfig.loadFromFile(inputs.adminKubeconfig);
    await bindNodeRole(kubeConfig);
    const kubelet = await startKubelet({
      binary: binaries.kubelet,
      dir: join(dir, 'kubelet'),
      nodeName,
      apiServerUrl: inputs.apiServerUrl,
      ca: inputs.ca,
      containerdSocket: containerd.socket,
      cgroupRoot,
      clusterDns: { address: clusterDnsAddress, domain: clusterDomain },
    });
    running.push(kubelet.process);
    running.push(await startKubeScheduler(binaries.scheduler, dir, inputs.adminKubeconfig));
    running.push(
      await startKubeProxy({ binary: binaries.proxy, dir, kubeconfig: inputs.adminKubeconfig, nodeName, podCidr }),
    );
    relay = await startApiServerRelay(inputs.apiServerUrl, kubeConfig);
    running.push(await startClusterDns(binaries.coredns, dir, inputs.adminKubeconfig));
    await nodeReady(kubeConfig);
    log.info('node ready', { node: nodeName, seconds: (Date.now() - started) / 1000 });
    return {
      name: nodeName,
      containerdSocket: containerd.socket,
      importImage: (archive) => containerd.importImage(archive),
      tagImage: (source, target) => containerd.tagImage(source, target),
      stop,
    };
  } catch (err) {
    await stop().catch((stopErr: Error) => log.error('stopping the node', { err: stopErr.message }));
    throw err;
  }
}
