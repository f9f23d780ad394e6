/**
 * The kubelet of the test node, on loopback: a node certificate signed by the test CA, everything it
 * writes under the environment's folder, cgroupfs (cgroup v1 accepted), containerd's socket.
 * Its API is served on loopback to the API server only (logs, exec): anonymous and allowed, as
 * kind's and envtest's would be without a bootstrap of their own.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeKubeconfig } from '../kubeconfig.ts';
import { clientCertificate } from '../pki.ts';
import { freePort, loopback } from '../ports.ts';
import { type ManagedProcess, startManaged, waitUntilReady } from '../processes.ts';

export interface KubeletInputs {
  readonly binary: string;
  readonly dir: string;
  readonly nodeName: string;
  readonly apiServerUrl: string;
  readonly ca: { readonly cert: string; readonly key: string };
  readonly containerdSocket: string;
  readonly cgroupRoot: string;
  readonly clusterDns: { readonly address: string; readonly domain: string };
}

export function kubeletConfig(inputs: KubeletInputs, ports: { api: number; healthz: number }): object {
  return {
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    address: loopback,
    port: ports.api,
    readOnlyPort: 0,
    healthzBindAddress: loopback,
    healthzPort: ports.healthz,
    authentication: { anonymous: { enabled: true }, webhook: { enabled: false } },
    authorization: { mode: 'AlwaysAllow' },
    containerRuntimeEndpoint: `unix://${inputs.containerdSocket}`,
    cgroupDriver: 'cgroupfs',
    cgroupRoot: inputs.cgroupRoot,
    failCgroupV1: false,
    failSwapOn: false,
    podLogsDir: join(inputs.dir, 'pod-logs'),
    // Disk and image pressure are the machine's, not the test's: never evict or collect for them.
    evictionHard: { 'memory.available': '0%', 'nodefs.available': '0%', 'imagefs.available': '0%' },
    imageGCHighThresholdPercent: 100,
    imageGCLowThresholdPercent: 99,
    resolvConf: '/etc/resolv.conf',
    clusterDNS: [inputs.clusterDns.address],
    clusterDomain: inputs.clusterDns.domain,
    registerNode: true,
    serializeImagePulls: false,
    nodeStatusReportFrequency: '10s',
  };
}

export interface Kubelet {
  readonly process: ManagedProcess;
}

export async function startKubelet(inputs: KubeletInputs): Promise<Kubelet> {
  const { dir, nodeName } = inputs;
  mkdirSync(join(dir, 'pki'), { recursive: true });
  const cert = await clientCertificate(join(dir, 'pki'), inputs.ca, 'kubelet', `system:node:${nodeName}`, [
    'system:nodes',
  ]);
  const kubeconfig = writeKubeconfig(join(dir, 'kubelet.kubeconfig'), inputs.apiServerUrl, inputs.ca.cert, nodeName, {
    clientCert: cert.cert,
    clientKey: cert.key,
  });
  const ports = { api: await freePort(), healthz: await freePort() };
  const config = join(dir, 'kubelet-config.json');
  writeFileSync(config, JSON.stringify(kubeletConfig(inputs, ports), null, 2));
  const args = [
    `--config=${config}`,
    `--kubeconfig=${kubeconfig}`,
    `--root-dir=${join(dir, 'root')}`,
    `--cert-dir=${join(dir, 'pki')}`,
    `--hostname-override=${nodeName}`,
    '--v=1',
  ];
  const proc = startManaged('kubelet', inputs.binary, args, { logFile: join(dir, 'kubelet.log'), graceMs: 5000 });
  const healthz = `http://${loopback}:${ports.healthz}/healthz`;
  await waitUntilReady(proc, async () => (await fetch(healthz)).ok, 60_000);
  return { process: proc };
}
