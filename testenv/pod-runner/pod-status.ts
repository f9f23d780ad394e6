/**
 * The status the runner reports for a pod: a pure function of its containers' states, computed
 * the way the kubelet does (pkg/kubelet/kubelet_pods.go getPhase, status/generate.go), so that
 * the Job, ReplicaSet, Deployment and EndpointSlice controllers read it as they would a kubelet's.
 * Times are RFC 3339 strings to the second, as the API stores them.
 */

export type RestartPolicy = 'Always' | 'OnFailure' | 'Never';

export interface ContainerState {
  waiting?: { reason: string; message?: string };
  running?: { startedAt: string };
  terminated?: {
    exitCode: number;
    signal?: number;
    reason: string;
    message?: string;
    startedAt: string;
    finishedAt: string;
    containerID?: string;
  };
}

export interface ContainerStatus {
  name: string;
  image: string;
  imageID: string;
  containerID?: string;
  state: ContainerState;
  lastState: ContainerState;
  ready: boolean;
  started: boolean;
  restartCount: number;
}

export interface PodCondition {
  type: string;
  status: 'True' | 'False';
  reason?: string;
  message?: string;
  lastTransitionTime: string;
}

export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed';

export interface PodStatus {
  phase: PodPhase;
  conditions: PodCondition[];
  hostIP: string;
  hostIPs: { ip: string }[];
  podIP: string;
  podIPs: { ip: string }[];
  startTime: string;
  containerStatuses: ContainerStatus[];
}

export function timestamp(date: Date = new Date()): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** kubelet's getPhase for pods without init containers. */
export function podPhase(restartPolicy: RestartPolicy, containers: readonly ContainerStatus[]): PodPhase {
  let running = 0;
  let waiting = 0;
  let stopped = 0;
  let succeeded = 0;
  for (const { state, lastState } of containers) {
    if (state.running) running++;
    else if (state.terminated) {
      stopped++;
      if (state.terminated.exitCode === 0) succeeded++;
    } else if (lastState.terminated)
      stopped++; // waiting to restart: it has run
    else waiting++;
  }
  if (waiting > 0) return 'Pending';
  if (running > 0) return 'Running';
  if (stopped === 0) return 'Pending';
  if (restartPolicy === 'Always') return 'Running';
  if (stopped === succeeded) return 'Succeeded';
  return restartPolicy === 'Never' ? 'Failed' : 'Running';
}

export interface PodSnapshot {
  restartPolicy: RestartPolicy;
  hostIP: string;
  podIP: string;
  startTime: string;
  containers: readonly ContainerStatus[];
}

/**
 * The next status; `previous` (what was last reported) keeps each condition's
 * lastTransitionTime while its status stays the same.
 */
export function podStatus(snapshot: PodSnapshot, previous: readonly PodCondition[], now: string): PodStatus {
  const phase = podPhase(snapshot.restartPolicy, snapshot.containers);
  const terminal = phase === 'Succeeded' || phase === 'Failed';
  const unready = snapshot.containers.filter((c) => !c.ready).map((c) => c.name);
  const ready = !terminal && unready.length === 0;
  const notReady = terminal
    ? { reason: 'PodCompleted' }
    : { reason: 'ContainersNotReady', message: `containers with unready status: [${unready.join(' ')}]` };
  const condition = (type: string, isTrue: boolean, why: { reason?: string; message?: string } = {}): PodCondition => {
    const status = isTrue ? 'True' : 'False';
    const before = previous.find((c) => c.type === type);
    const lastTransitionTime = before && before.status === status ? before.lastTransitionTime : now;
    return { type, status, ...(isTrue ? {} : why), lastTransitionTime };
  };
  return {
    phase,
    conditions: [
      condition('PodReadyToStartContainers', true),
      condition('Initialized', true),
      condition('ContainersReady', ready, notReady),
      condition('Ready', ready, notReady),
    ],
    hostIP: snapshot.hostIP,
    hostIPs: [{ ip: snapshot.hostIP }],
    podIP: snapshot.podIP,
    podIPs: [{ ip: snapshot.podIP }],
    startTime: snapshot.startTime,
    containerStatuses: [...snapshot.containers],
  };
}

/** A container's termination message: the file, else (FallbackToLogsOnError, failed) the log's tail. */
export function terminationMessage(
  file: string,
  logTail: () => string,
  policy: string | undefined,
  exitCode: number,
): string {
  const maxBytes = 4096; // the kubelet's limit per container
  if (file.length > 0) return truncateBytes(file, maxBytes);
  if (policy === 'FallbackToLogsOnError' && exitCode !== 0) return logTail();
  return '';
}

/** The kubelet's fallback: the last 80 lines of the log, at most 2048 bytes of them. */
export function tailOfLog(log: string): string {
  const lines = log.replace(/\n$/, '').split('\n').slice(-80).join('\n');
  const bytes = Buffer.from(lines);
  return bytes.length <= 2048 ? lines : bytes.subarray(bytes.length - 2048).toString('utf8');
}

function truncateBytes(text: string, maxBytes: number): string {
  const bytes = Buffer.from(text);
  return bytes.length <= maxBytes ? text : bytes.subarray(0, maxBytes).toString('utf8');
}
