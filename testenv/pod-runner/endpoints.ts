/**
 * The ready endpoints of a Service, as the EndpointSlice controller would list them and
 * kube-proxy would route to them. The controller itself cannot: the API refuses loopback
 * addresses in EndpointSlices and Endpoints ("may not be in the loopback range", the same check
 * for every writer), so with the runner's 127.0.1.x pod IPs kube-controller-manager's
 * EndpointSlice controller fails to write them. This reads what it reads instead: the Service's
 * selector and ports, and the selected pods' IPs, Ready conditions and container ports.
 */
import * as k8s from '@kubernetes/client-node';

export interface ReadyEndpointsOptions {
  /** The Service port whose target port to give (by name); default: the first. */
  readonly port?: string;
}

/** `ip:port` of each ready, not terminating pod the Service selects, sorted. */
export async function readyEndpoints(
  kc: k8s.KubeConfig,
  namespace: string,
  service: string,
  options: ReadyEndpointsOptions = {},
): Promise<string[]> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const svc = await core.readNamespacedService({ name: service, namespace });
  const selector = svc.spec?.selector;
  const servicePort =
    options.port === undefined ? svc.spec?.ports?.[0] : svc.spec?.ports?.find((p) => p.name === options.port);
  if (!selector || Object.keys(selector).length === 0 || !servicePort) return [];
  const labelSelector = Object.entries(selector)
    .map(([key, value]) => `${key}=${value}`)
    .join(',');
  const pods = await core.listNamespacedPod({ namespace, labelSelector });
  const endpoints: string[] = [];
  for (const pod of pods.items) {
    const ip = pod.status?.podIP;
    const ready = pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
    // A terminating pod's endpoint is not ready, whatever its condition says.
    if (!ip || !ready || pod.metadata?.deletionTimestamp) continue;
    const target = (servicePort.targetPort as number | string | undefined) ?? servicePort.port;
    const port = typeof target === 'number' || /^\d+$/.test(target) ? Number(target) : containerPort(pod, target);
    if (port !== undefined) endpoints.push(`${ip}:${port}`);
  }
  return endpoints.sort();
}

function containerPort(pod: k8s.V1Pod, name: string): number | undefined {
  for (const container of pod.spec?.containers ?? []) {
    const port = container.ports?.find((p) => p.name === name);
    if (port) return port.containerPort;
  }
  return undefined;
}
