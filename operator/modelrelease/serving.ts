/** The inference Deployment, Service and HPA of a release's champion: pure functions of spec and champion. */
import type { V1Deployment, V1Service, V2HorizontalPodAutoscaler } from '@kubernetes/client-node';
import { managedByLabel, managedByValue, modelLabel, modelReleaseLabel, type ModelRelease } from '../api/resources.ts';
import { controllerReference } from '../kit/owner.ts';
import {
  placementOf,
  resourceRequirements,
  restrictedContainerSecurity,
  restrictedPodSecurity,
} from '../kit/pod-spec.ts';
import { SERVICE_NODE_OPTIONS } from '../../inference/node-options.ts';

export interface ServingSettings {
  /** Image for releases that do not name one. */
  readonly image: string;
}

export interface Champion {
  run: string;
  artifactUri: string;
  digest: string;
}

/**
 * A challenger served beside the champion during a Shadow or Canary rollout: the pods load both
 * (each digest-verified) and split users by a stable hash of their id (inference/traffic-split.ts).
 */
export interface ServedChallenger extends Champion {
  mode: 'shadow' | 'canary';
  /** Percent of users the challenger serves (canary); 0 in shadow. */
  sharePercent: number;
  /** A rehearsal's fault: milliseconds each challenger answer holds its pod (spec.rollout.faultInjection). */
  delayMs?: number;
}

/** The pods' environment naming the challenger (inference/config.ts reads it). */
export function challengerEnv(challenger: ServedChallenger | undefined): { name: string; value: string }[] {
  if (!challenger) return [];
  return [
    { name: 'MOVIE_RECO_CHALLENGER_URI', value: challenger.artifactUri },
    { name: 'MOVIE_RECO_CHALLENGER_DIGEST', value: challenger.digest },
    { name: 'MOVIE_RECO_CHALLENGER_MODE', value: challenger.mode },
    ...(challenger.mode === 'canary'
      ? [{ name: 'MOVIE_RECO_CHALLENGER_SHARE', value: String(challenger.sharePercent) }]
      : []),
    ...(challenger.delayMs ? [{ name: 'MOVIE_RECO_CHALLENGER_DELAY_MS', value: String(challenger.delayMs) }] : []),
  ];
}

export const servingNameFor = (release: ModelRelease) => `${release.metadata.name}-inference`;
export const INFERENCE_PORT = 8080;

function selectorOf(release: ModelRelease): Record<string, string> {
  return { 'app.kubernetes.io/name': 'movie-reco-inference', [modelReleaseLabel]: release.metadata.name! };
}

function metadataOf(release: ModelRelease) {
  return {
    name: servingNameFor(release),
    namespace: release.metadata.namespace,
    labels: { ...selectorOf(release), [managedByLabel]: managedByValue, [modelLabel]: release.spec.model },
    ownerReferences: [controllerReference(release)],
  };
}

export function desiredDeployment(
  release: ModelRelease,
  champion: Champion,
  settings: ServingSettings,
  challenger?: ServedChallenger,
): V1Deployment {
  const serving = release.spec.serving ?? {};
  const envFrom = [serving.backendSecretRef, serving.authSecretRef]
    .filter((ref) => ref !== undefined)
    .map((ref) => ({ secretRef: { name: ref.name } }));
  const resources = serving.resources ?? { requests: { cpu: '250m', memory: '512Mi' }, limits: { memory: '1Gi' } };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: metadataOf(release),
    spec: {
      // With autoscaling the HPA owns the count; leaving the field out keeps this apply from fighting it.
      ...(serving.autoscaling ? {} : { replicas: serving.replicas ?? 1 }),
      // Unset leaves the field to Kubernetes' default (600 s) rather than owning it in the apply.
      ...(serving.progressDeadlineSeconds !== undefined
        ? { progressDeadlineSeconds: serving.progressDeadlineSeconds }
        : {}),
      selector: { matchLabels: selectorOf(release) },
      // New champions roll out without ever going below the ready capacity; traffic moves only to ready pods.
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      template: {
        metadata: {
          labels: { ...selectorOf(release), [managedByLabel]: managedByValue, [modelLabel]: release.spec.model },
          annotations: {
            'prometheus.io/scrape': 'true',
            'prometheus.io/port': String(INFERENCE_PORT),
            'prometheus.io/path': '/metrics',
            'reco.mlops.dev/champion-run': champion.run,
            ...(challenger ? { 'reco.mlops.dev/challenger-run': challenger.run } : {}),
          },
        },
        spec: {
          ...placementOf(serving),
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          securityContext: restrictedPodSecurity,
          containers: [
            {
              name: 'inference',
              image: serving.image ?? settings.image,
              command: ['movie-reco'],
              args: ['serve'],
              ports: [{ name: 'http', containerPort: INFERENCE_PORT }],
              env: [
                { name: 'MOVIE_RECO_MODEL', value: release.spec.model },
                { name: 'MOVIE_RECO_MODEL_URI', value: champion.artifactUri },
                { name: 'MOVIE_RECO_MODEL_DIGEST', value: champion.digest },
                ...challengerEnv(challenger),
                { name: 'MOVIE_RECO_PORT', value: String(INFERENCE_PORT) },
                // Writes need credentials unless the release opens them: no anonymous ratings by default.
                { name: 'MOVIE_RECO_ANONYMOUS_WRITES', value: String(serving.anonymousWrites ?? false) },
                { name: 'NODE_OPTIONS', value: SERVICE_NODE_OPTIONS },
              ],
              ...(envFrom.length ? { envFrom } : {}),
              resources: resourceRequirements(resources),
              readinessProbe: { httpGet: { path: '/readyz', port: 'http' }, periodSeconds: 5, failureThreshold: 2 },
              livenessProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 10, failureThreshold: 3 },
              securityContext: restrictedContainerSecurity,
              // A server that exits at start says why in its last log line: the release's Ready message quotes it.
              terminationMessagePolicy: 'FallbackToLogsOnError',
              volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
            },
          ],
          volumes: [{ name: 'tmp', emptyDir: {} }],
        },
      },
    },
  };
}

export function desiredService(release: ModelRelease): V1Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: metadataOf(release),
    spec: { type: 'ClusterIP', selector: selectorOf(release), ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
  };
}

export function desiredAutoscaler(release: ModelRelease): V2HorizontalPodAutoscaler | undefined {
  const autoscaling = release.spec.serving?.autoscaling;
  if (!autoscaling) return undefined;
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: metadataOf(release),
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: servingNameFor(release) },
      minReplicas: autoscaling.minReplicas ?? 1,
      maxReplicas: autoscaling.maxReplicas,
      metrics: [
        {
          type: 'Resource',
          resource: {
            name: 'cpu',
            target: { type: 'Utilization', averageUtilization: autoscaling.targetCPUUtilizationPercentage ?? 70 },
          },
        },
      ],
    },
  };
}

export function serviceUrl(release: ModelRelease): string {
  return `http://${servingNameFor(release)}.${release.metadata.namespace}.svc:80`;
}
