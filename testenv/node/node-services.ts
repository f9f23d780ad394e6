/** kube-scheduler and kube-proxy (nftables mode) of the test node, on loopback, with the admin's credentials. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { httpsStatus } from '../https-probe.ts';
import { freePort, loopback } from '../ports.ts';
import { type ManagedProcess, startManaged, waitUntilReady } from '../processes.ts';

export async function startKubeScheduler(binary: string, dir: string, kubeconfig: string): Promise<ManagedProcess> {
  const port = await freePort();
  const args = [
    `--kubeconfig=${kubeconfig}`,
    `--bind-address=${loopback}`,
    `--secure-port=${port}`,
    `--cert-dir=${join(dir, 'scheduler-certs')}`,
    '--leader-elect=false',
    '--v=1',
  ];
  const proc = startManaged('kube-scheduler', binary, args, {
    logFile: join(dir, 'kube-scheduler.log'),
    graceMs: 2000,
  });
  const healthz = `https://${loopback}:${port}/healthz`;
  await waitUntilReady(proc, async () => (await httpsStatus(healthz, { rejectUnauthorized: false })) === 200, 60_000);
  return proc;
}

export interface KubeProxyInputs {
  readonly binary: string;
  readonly dir: string;
  readonly kubeconfig: string;
  readonly nodeName: string;
  readonly podCidr: string;
}

export function kubeProxyConfig(inputs: KubeProxyInputs, ports: { healthz: number; metrics: number }): object {
  return {
    apiVersion: 'kubeproxy.config.k8s.io/v1alpha1',
    kind: 'KubeProxyConfiguration',
    mode: 'nftables',
    clusterCIDR: inputs.podCidr,
    bindAddress: loopback,
    healthzBindAddress: `${loopback}:${ports.healthz}`,
    metricsBindAddress: `${loopback}:${ports.metrics}`,
    hostnameOverride: inputs.nodeName,
    clientConnection: { kubeconfig: inputs.kubeconfig },
    // Zero leaves the machine's conntrack settings as they are.
    conntrack: { maxPerCore: 0, min: 0, tcpEstablishedTimeout: '0s', tcpCloseWaitTimeout: '0s' },
    nodePortAddresses: [`${loopback}/32`],
  };
}

export async function startKubeProxy(inputs: KubeProxyInputs): Promise<ManagedProcess> {
  const ports = { healthz: await freePort(), metrics: await freePort() };
  const config = join(inputs.dir, 'kube-proxy-config.json');
  writeFileSync(config, JSON.stringify(kubeProxyConfig(inputs, ports), null, 2));
  const proc = startManaged('kube-proxy', inputs.binary, [`--config=${config}`, '--v=1'], {
    logFile: join(inputs.dir, 'kube-proxy.log'),
    graceMs: 2000,
  });
  await waitUntilReady(proc, async () => (await fetch(`http://${loopback}:${ports.healthz}/healthz`)).ok, 60_000);
  return proc;
}
