/**
 * What keeps a workload's pods from running, read from the pods as kubelet and the scheduler
 * report it, for a resource's conditions: pure, so every case is a unit test.
 */
import type { V1ContainerStatus, V1Pod } from '@kubernetes/client-node';

export interface PodProblem {
  /** A CamelCase reason as Kubernetes spells it: ImagePullBackOff, OOMKilled, Unschedulable... */
  reason: string;
  message: string;
  /** It will not heal by waiting: the resource may be failed for it. */
  permanent: boolean;
}

/** Image pulls fail for a while on a slow or briefly unreachable registry before they succeed. */
export const IMAGE_PULL_GRACE_MS = 60_000;

const pullFailures = new Set(['ErrImagePull', 'ImagePullBackOff']);
const neverPulls = new Set(['InvalidImageName', 'ErrImageNeverPull']);
// A missing Secret or ConfigMap key heals when someone creates it: told, never failed for.
const configFailures = new Set(['CreateContainerConfigError', 'CreateContainerError', 'RunContainerError']);

/** The most telling problem among the pods, newest pod first; undefined when none has one. */
export function podProblem(
  pods: readonly V1Pod[],
  now: Date,
  pullGraceMs = IMAGE_PULL_GRACE_MS,
): PodProblem | undefined {
  const newestFirst = [...pods]
    .filter((pod) => !pod.metadata?.deletionTimestamp)
    .sort((a, b) => created(b) - created(a));
  for (const pod of newestFirst) {
    const problem = problemOf(pod, now, pullGraceMs);
    if (problem) return problem;
  }
  return undefined;
}

function created(pod: V1Pod): number {
  return new Date(pod.metadata?.creationTimestamp ?? 0).getTime();
}

function problemOf(pod: V1Pod, now: Date, pullGraceMs: number): PodProblem | undefined {
  const name = pod.metadata?.name ?? 'pod';
  const scheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
  if (scheduled?.status === 'False' && scheduled.reason === 'Unschedulable') {
    return {
      reason: 'Unschedulable',
      message: `${name}: ${scheduled.message ?? 'no node fits the pod'}`,
      permanent: false,
    };
  }
  for (const container of pod.status?.containerStatuses ?? []) {
    const problem = containerProblem(name, container, now.getTime() - created(pod), pullGraceMs);
    if (problem) return problem;
  }
  return undefined;
}

function containerProblem(
  pod: string,
  container: V1ContainerStatus,
  ageMs: number,
  pullGraceMs: number,
): PodProblem | undefined {
  const where = `${pod}, container ${container.name}`;
  const waiting = container.state?.waiting;
  const reason = waiting?.reason;
  if (reason && neverPulls.has(reason))
    return {
      reason,
      message: `${where}: ${waiting.message ?? `image ${container.image} cannot be used`}`,
      permanent: true,
    };
  if (reason && pullFailures.has(reason)) {
    return {
      reason,
      message: `${where}: ${waiting.message ?? `pulling image ${container.image} fails`}`,
      permanent: ageMs >= pullGraceMs,
    };
  }
  if (reason && configFailures.has(reason))
    return { reason, message: `${where}: ${waiting.message ?? 'the container cannot be created'}`, permanent: false };
  const terminated = container.state?.terminated ?? container.lastState?.terminated;
  if (terminated?.reason === 'OOMKilled')
    return { reason: 'OOMKilled', message: `${where} ran out of memory: raise its memory limit`, permanent: false };
  if (reason === 'CrashLoopBackOff') {
    const last = container.lastState?.terminated;
    const exit = last ? ` (last exit code ${last.exitCode}${last.reason ? `, ${last.reason}` : ''})` : '';
    const said = lastWords(last?.message);
    return {
      reason,
      message: `${where} keeps crashing${exit}${said ? `: ${said}` : ''}; see kubectl logs ${pod} --previous`,
      permanent: false,
    };
  }
  return undefined;
}

/** The last line of a termination message (a log's tail under FallbackToLogsOnError): what the process said last. */
function lastWords(message: string | undefined): string | undefined {
  const line = message
    ?.split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .at(-1);
  return line && line.length > 300 ? `${line.slice(0, 299)}…` : line;
}
