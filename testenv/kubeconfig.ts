/** kubeconfig files for the local control plane (JSON, which kubectl and client-node read as YAML). */
import { readFileSync } from 'node:fs';
import { writeSecretFile } from './pki.ts';

export type KubeCredentials = { clientCert: string; clientKey: string } | { token: string };

const base64 = (path: string) => readFileSync(path).toString('base64');

/** One cluster, one user, one context, all called `movie-reco-testenv` (envtest's shape). */
export function kubeconfigDocument(
  server: string,
  caCertFile: string,
  user: string,
  credentials: KubeCredentials,
): object {
  const name = 'movie-reco-testenv';
  const userEntry =
    'token' in credentials
      ? { token: credentials.token }
      : { 'client-certificate-data': base64(credentials.clientCert), 'client-key-data': base64(credentials.clientKey) };
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster: { server, 'certificate-authority-data': base64(caCertFile) } }],
    users: [{ name: user, user: userEntry }],
    contexts: [{ name, context: { cluster: name, user } }],
    'current-context': name,
    preferences: {},
  };
}

export function writeKubeconfig(
  path: string,
  server: string,
  caCertFile: string,
  user: string,
  credentials: KubeCredentials,
): string {
  writeSecretFile(path, `${JSON.stringify(kubeconfigDocument(server, caCertFile, user, credentials), null, 2)}\n`);
  return path;
}
