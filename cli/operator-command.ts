import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import { createLogger } from '../common/log.ts';
import { Operator } from '../operator/manager.ts';
import { TenantBackends } from '../operator/tenants/tenant-backends.ts';
import { tenantRecords } from '../operator/tenants/tenant-records.ts';
import { numberOption } from './options.ts';
import { UsageError } from './usage-error.ts';

export const operatorHelp = `movie-reco operator [options]

Runs the operator: reconciles TrainingRuns (trainer Jobs) and ModelReleases in the namespaces it
watches, with leader election so that only one replica acts at a time. Each resource's records
(promotions, gate decisions, new-rating counts, run records) go to the database of its own backend
Secret (backendSecretRef), read from its namespace. Serves /metrics, /healthz and /readyz.

  --kubeconfig PATH        kubeconfig (default: KUBECONFIG, ~/.kube/config, or in-cluster)
  --namespaces NS,NS       watch only these namespaces (default: all namespaces)
  --namespace NS           watch only this namespace (the same as --namespaces NS)
  --namespace-selector SEL watch the namespaces whose labels match SEL, e.g. team=reco (needs
                           cluster-wide rights)
  --trainer-image IMAGE    image of trainer Jobs whose run names none (env MOVIE_RECO_TRAINER_IMAGE)
  --inference-image IMAGE  image of inference Deployments whose release names none
                           (env MOVIE_RECO_INFERENCE_IMAGE; default: the trainer image)
  --database URL           fallback database for releases that name no backend Secret (neither
                           serving nor retrain template) (env MOVIE_RECO_DATABASE_URL)
  --ratings-poll-seconds N how often releases with retrain.minNewRatings count new ratings
                           (default 60)
  --probe-port N           port of /metrics, /healthz, /readyz (default 8080; 0 picks one)
  --probe-host HOST        address to listen on (default 0.0.0.0)
  --workers N              concurrent reconciles per controller (default 4)
  --leader-elect BOOL      hold a coordination.k8s.io Lease before acting (default true)
  --lease-namespace NS     namespace of the Lease (default: POD_NAMESPACE, --namespace, or default)
  --lease-name NAME        name of the Lease (default movie-reco-operator)
  --lease-duration N       seconds a lease outlives its last renewal (default 15)`;

export async function operatorCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      kubeconfig: { type: 'string' },
      namespace: { type: 'string' },
      namespaces: { type: 'string' },
      'namespace-selector': { type: 'string' },
      'trainer-image': { type: 'string' },
      'inference-image': { type: 'string' },
      database: { type: 'string' },
      'probe-port': { type: 'string' },
      'ratings-poll-seconds': { type: 'string' },
      'probe-host': { type: 'string' },
      workers: { type: 'string' },
      'leader-elect': { type: 'string' },
      'lease-namespace': { type: 'string' },
      'lease-name': { type: 'string' },
      'lease-duration': { type: 'string' },
    },
    strict: true,
  });
  const env = process.env;
  const trainerImage = values['trainer-image'] ?? env.MOVIE_RECO_TRAINER_IMAGE;
  if (!trainerImage) throw new UsageError('--trainer-image (or MOVIE_RECO_TRAINER_IMAGE) is required');
  const leaderElect = values['leader-elect'] ?? 'true';
  if (leaderElect !== 'true' && leaderElect !== 'false') throw new UsageError('--leader-elect must be true or false');

  const kc = new k8s.KubeConfig();
  if (values.kubeconfig) kc.loadFromFile(values.kubeconfig);
  else kc.loadFromDefault();
  const log = createLogger({ component: 'operator' });
  const namespaces = [values.namespace, ...(values.namespaces ?? '').split(',')]
    .map((namespace) => namespace?.trim())
    .filter((namespace): namespace is string => Boolean(namespace));
  if (namespaces.length > 0 && values['namespace-selector'])
    throw new UsageError('give --namespaces (or --namespace) or --namespace-selector, not both');
  const leaseNamespace =
    values['lease-namespace'] ?? env.POD_NAMESPACE ?? namespaces[0] ?? inClusterNamespace() ?? 'default';

  const fallbackDatabaseUrl = values.database ?? env.MOVIE_RECO_DATABASE_URL;
  const backends = new TenantBackends({ kc, log, ...(fallbackDatabaseUrl ? { fallbackDatabaseUrl } : {}) });
  const inferenceImage = values['inference-image'] ?? env.MOVIE_RECO_INFERENCE_IMAGE;

  const operator = new Operator({
    kc,
    log,
    trainerImage,
    ...(inferenceImage ? { inferenceImage } : {}),
    ...tenantRecords(backends),
    artifactStores: backends,
    ...(values['ratings-poll-seconds']
      ? { ratingsPollMs: numberOption(values, 'ratings-poll-seconds', { integer: true, min: 1, max: 86400 })! * 1000 }
      : {}),
    probePort: numberOption(values, 'probe-port', { integer: true, min: 0, max: 65535 }) ?? 8080,
    probeHost: values['probe-host'] ?? '0.0.0.0',
    workers: numberOption(values, 'workers', { integer: true, min: 1, max: 64 }) ?? 4,
    namespaces,
    ...(values['namespace-selector'] ? { namespaceSelector: values['namespace-selector'] } : {}),
    ...(leaderElect === 'true'
      ? {
          leaderElection: {
            namespace: leaseNamespace,
            ...(values['lease-name'] ? { name: values['lease-name'] } : {}),
            leaseDurationSeconds: numberOption(values, 'lease-duration', { integer: true, min: 1, max: 3600 }) ?? 15,
          },
        }
      : {}),
  });

  const stopped = new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log.info('stopping', { signal });
      void operator.stop().then(resolve);
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  await operator.start();
  log.info('operator running', { probePort: operator.probePort, leading: operator.leading });
  await stopped;
  await backends.close();
  return 0;
}

function inClusterNamespace(): string | undefined {
  try {
    return readFileSync('/var/run/secrets/kubernetes.io/serviceaccount/namespace', 'utf8').trim();
  } catch {
    return undefined;
  }
}
