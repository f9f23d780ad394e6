/**
 * Certificates and keys for the local control plane, made with the openssl CLI: node:crypto
 * makes keys but no X.509 certificates, and openssl is on every Debian machine, so no JS PKI
 * library is needed. EC P-256 keys throughout: generated in milliseconds.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface ControlPlanePki {
  readonly dir: string;
  readonly caCert: string;
  readonly caKey: string;
  readonly servingCert: string;
  readonly servingKey: string;
  readonly serviceAccountKey: string;
  readonly serviceAccountPublicKey: string;
  readonly adminCert: string;
  readonly adminKey: string;
}

export interface ClientCertificate {
  readonly cert: string;
  readonly key: string;
}

const days = '30';

async function openssl(args: string[], cwd: string): Promise<void> {
  try {
    await run('openssl', args, { cwd });
  } catch (err) {
    throw new Error(`openssl ${args[0]} failed (is Debian's openssl installed?): ${(err as Error).message}`);
  }
}

async function ecKey(path: string, cwd: string): Promise<void> {
  await openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', path], cwd);
}

/** A certificate for `subject` signed by the CA, with the given extensions (openssl -addext syntax). */
async function signedCertificate(
  dir: string,
  ca: { cert: string; key: string },
  name: string,
  subject: string,
  extensions: string[],
): Promise<ClientCertificate> {
  const key = join(dir, `${name}.key`);
  const cert = join(dir, `${name}.crt`);
  await ecKey(key, dir);
  const args = [
    'req',
    '-new',
    '-x509',
    '-key',
    key,
    '-out',
    cert,
    '-days',
    days,
    '-subj',
    subject,
    '-CA',
    ca.cert,
    '-CAkey',
    ca.key,
  ];
  for (const ext of extensions) args.push('-addext', ext);
  await openssl(args, dir);
  return { cert, key };
}

/** A client certificate: Kubernetes reads the user from CN and the groups from each O. */
export async function clientCertificate(
  dir: string,
  ca: { cert: string; key: string },
  name: string,
  user: string,
  groups: string[] = [],
): Promise<ClientCertificate> {
  const subject = [`/CN=${user}`, ...groups.map((g) => `/O=${g}`)].join('');
  return signedCertificate(dir, ca, name, subject, [
    'basicConstraints=critical,CA:FALSE',
    'keyUsage=critical,digitalSignature',
    'extendedKeyUsage=clientAuth',
  ]);
}

export async function createControlPlanePki(dir: string): Promise<ControlPlanePki> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const caKey = join(dir, 'ca.key');
  const caCert = join(dir, 'ca.crt');
  await ecKey(caKey, dir);
  await openssl(
    [
      'req',
      '-new',
      '-x509',
      '-key',
      caKey,
      '-out',
      caCert,
      '-days',
      days,
      '-subj',
      '/CN=movie-reco-testenv-ca',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign,digitalSignature',
    ],
    dir,
  );
  const ca = { cert: caCert, key: caKey };
  const serviceAccountKey = join(dir, 'sa.key');
  const serviceAccountPublicKey = join(dir, 'sa.pub');
  const [serving, admin] = await Promise.all([
    // The in-cluster names and 10.0.0.1 (the `kubernetes` Service's ClusterIP) are on the certificate
    // for clients that verify them; nothing ever connects there.
    signedCertificate(dir, ca, 'apiserver', '/CN=kube-apiserver', [
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature',
      'extendedKeyUsage=serverAuth',
      'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,IP:10.0.0.1',
    ]),
    clientCertificate(dir, ca, 'admin', 'movie-reco-admin', ['system:masters']),
    ecKey(serviceAccountKey, dir),
  ]);
  await openssl(['pkey', '-in', serviceAccountKey, '-pubout', '-out', serviceAccountPublicKey], dir);
  return {
    dir,
    caCert,
    caKey,
    servingCert: serving.cert,
    servingKey: serving.key,
    serviceAccountKey,
    serviceAccountPublicKey,
    adminCert: admin.cert,
    adminKey: admin.key,
  };
}

export function pem(path: string): string {
  return readFileSync(path, 'utf8');
}

export function writeSecretFile(path: string, content: string): void {
  writeFileSync(path, content, { mode: 0o600 });
}
