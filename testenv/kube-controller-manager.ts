/**
 * kube-controller-manager against the local kube-apiserver, started on demand: the Deployment,
 * ReplicaSet, Job, garbage-collector, namespace and service-account controllers come with it.
 * There is no scheduler or kubelet, so Pods it creates stay Pending.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { httpsStatus } from './https-probe.ts';
import { freePort, loopback } from './ports.ts';
import { startManaged, waitUntilReady, type ManagedProcess } from './processes.ts';

export interface ControllerManagerInputs {
  readonly binary: string;
  readonly kubeconfig: string;
  readonly caCert: string;
  readonly serviceAccountKey: string;
}

export interface KubeControllerManager {
  readonly process: ManagedProcess;
  readonly healthUrl: string;
}

export async function startKubeControllerManager(
  inputs: ControllerManagerInputs,
  dir: string,
): Promise<KubeControllerManager> {
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const args = [
    `--kubeconfig=${inputs.kubeconfig}`,
    `--bind-address=${loopback}`,
    `--secure-port=${port}`,
    `--cert-dir=${join(dir, 'kcm-certs')}`,
    `--service-account-private-key-file=${inputs.serviceAccountKey}`,
    `--root-ca-file=${inputs.caCert}`,
    // One instance per control plane; leader election would only delay the start by a lease period.
    '--leader-elect=false',
    '--use-service-account-credentials=false',
    '--controllers=*',
    '--v=1',
  ];
  const proc = startManaged('kube-controller-manager', inputs.binary, args, {
    logFile: join(dir, 'kube-controller-manager.log'),
    graceMs: 2000,
  });
  const healthUrl = `https://${loopback}:${port}/healthz`;
  // Its serving certificate is self-signed on the fly; only liveness is checked here.
  await waitUntilReady(proc, async () => (await httpsStatus(healthUrl, { rejectUnauthorized: false })) === 200, 60_000);
  return { process: proc, healthUrl };
}
