/** Pieces of a Pod spec that trainer Jobs and inference Deployments take from their resource alike. */
import type { V1Affinity, V1PodSpec, V1ResourceRequirements, V1Toleration } from '@kubernetes/client-node';

type Quantities = Record<string, number | string> | undefined;

/** Quantities are int-or-string in the CRDs; the workload APIs want strings. */
export function resourceRequirements(resources: {
  requests?: Quantities;
  limits?: Quantities;
}): V1ResourceRequirements {
  const strings = (quantities: Quantities) =>
    quantities ? Object.fromEntries(Object.entries(quantities).map(([k, v]) => [k, String(v)])) : undefined;
  return {
    ...(resources.requests ? { requests: strings(resources.requests) } : {}),
    ...(resources.limits ? { limits: strings(resources.limits) } : {}),
  };
}

/** Where and as whom the pods run: the fields of the same names in a TrainingRun or ModelRelease serving spec. */
export interface PodPlacement {
  serviceAccountName?: string;
  imagePullSecrets?: { name: string }[];
  nodeSelector?: Record<string, string>;
  tolerations?: V1Toleration[];
  /** Validated by the API server when the workload is created, not by the CRD. */
  affinity?: Record<string, unknown>;
  priorityClassName?: string;
}

/** Only the fields that are set: an unset one leaves the cluster's default in place. */
export function placementOf(spec: PodPlacement): Partial<V1PodSpec> {
  return {
    ...(spec.serviceAccountName ? { serviceAccountName: spec.serviceAccountName } : {}),
    ...(spec.imagePullSecrets?.length ? { imagePullSecrets: spec.imagePullSecrets.map(({ name }) => ({ name })) } : {}),
    ...(spec.nodeSelector && Object.keys(spec.nodeSelector).length ? { nodeSelector: spec.nodeSelector } : {}),
    ...(spec.tolerations?.length ? { tolerations: spec.tolerations } : {}),
    ...(spec.affinity ? { affinity: spec.affinity as V1Affinity } : {}),
    ...(spec.priorityClassName ? { priorityClassName: spec.priorityClassName } : {}),
  };
}
