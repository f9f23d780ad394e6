/**
 * kube-apiserver on loopback, envtest-style: generated certificates, RBAC, service-account tokens
 * signed with a generated key, Pod Security admission on (it is by default), an admin kubeconfig.
 */
import { join } from 'node:path';
import { httpsStatus } from './https-probe.ts';
import { writeKubeconfig } from './kubeconfig.ts';
import { pem, type ControlPlanePki } from './pki.ts';
import { freePort, loopback } from './ports.ts';
import { startManaged, waitUntilReady, type ManagedProcess } from './processes.ts';

export interface KubeApiServer {
  readonly url: string;
  readonly adminKubeconfig: string;
  readonly process: ManagedProcess;
}

/** Configuration only: ClusterIPs are handed out from it, nothing is ever routed there. */
export const serviceClusterIpRange = '10.0.0.0/24';

export interface KubeApiServerOptions {
  /** Starts it once more on the same port (clients' kubeconfigs stay valid), as after a restart. */
  readonly again?: KubeApiServer;
  /**
   * Mount service-account tokens into pods (the ServiceAccount admission plugin): only where
   * kube-controller-manager makes each namespace's `default` ServiceAccount, else pods are refused.
   */
  readonly serviceAccountTokens?: boolean;
}

export async function startKubeApiServer(
  binary: string,
  dir: string,
  etcdUrl: string,
  pki: ControlPlanePki,
  { again, serviceAccountTokens = false }: KubeApiServerOptions = {},
): Promise<KubeApiServer> {
  const url = again?.url ?? `https://${loopback}:${await freePort()}`;
  const port = new URL(url).port;
  const args = [
    `--etcd-servers=${etcdUrl}`,
    `--bind-address=${loopback}`,
    // Without a default route the apiserver finds no address to advertise and exits.
    `--advertise-address=${loopback}`,
    `--secure-port=${port}`,
    `--cert-dir=${join(dir, 'apiserver-certs')}`,
    `--tls-cert-file=${pki.servingCert}`,
    `--tls-private-key-file=${pki.servingKey}`,
    `--client-ca-file=${pki.caCert}`,
    '--authorization-mode=RBAC',
    `--service-account-issuer=${url}`,
    `--service-account-key-file=${pki.serviceAccountPublicKey}`,
    `--service-account-signing-key-file=${pki.serviceAccountKey}`,
    `--service-cluster-ip-range=${serviceClusterIpRange}`,
    '--allow-privileged=true',
    ...(serviceAccountTokens ? [] : ['--disable-admission-plugins=ServiceAccount']),
    // Writes 127.0.0.1 into the `kubernetes` Endpoints; nobody consumes them here.
    '--endpoint-reconciler-type=none',
    '--profiling=false',
    '--v=1',
  ];
  const proc = startManaged('kube-apiserver', binary, args, {
    logFile: join(dir, 'kube-apiserver.log'),
    graceMs: 2000,
  });
  const adminKubeconfig = writeKubeconfig(join(dir, 'admin.kubeconfig'), url, pki.caCert, 'movie-reco-admin', {
    clientCert: pki.adminCert,
    clientKey: pki.adminKey,
  });
  const tls = { ca: pem(pki.caCert), cert: pem(pki.adminCert), key: pem(pki.adminKey) };
  await waitUntilReady(proc, () => httpsStatus(`${url}/readyz`, tls).then((status) => status === 200), 90_000);
  return { url, adminKubeconfig, process: proc };
}
