import { describe, expect, it } from 'vitest';
import { podPhase, podStatus, tailOfLog, terminationMessage, type ContainerStatus } from './pod-status.ts';

const base = {
  name: 'c',
  image: 'movie-reco:1',
  imageID: 'movie-reco:1',
  ready: false,
  started: false,
  restartCount: 0,
  lastState: {},
};
const waiting: ContainerStatus = { ...base, state: { waiting: { reason: 'ContainerCreating' } } };
const running: ContainerStatus = { ...base, state: { running: { startedAt: 't' } } };
const exited = (exitCode: number): ContainerStatus => ({
  ...base,
  state: { terminated: { exitCode, reason: exitCode ? 'Error' : 'Completed', startedAt: 't', finishedAt: 't' } },
});
const backingOff: ContainerStatus = {
  ...base,
  state: { waiting: { reason: 'CrashLoopBackOff' } },
  lastState: exited(1).state,
  restartCount: 1,
};

describe('pod phase (the kubelet getPhase)', () => {
  it('is Pending until every container has started', () => {
    expect(podPhase('Always', [waiting, running])).toBe('Pending');
  });
  it('is Running while a container runs, or waits to restart', () => {
    expect(podPhase('Never', [running, exited(0)])).toBe('Running');
    expect(podPhase('Always', [backingOff])).toBe('Running');
    expect(podPhase('Always', [exited(0)])).toBe('Running');
  });
  it('ends Succeeded or Failed when nothing will run again', () => {
    expect(podPhase('Never', [exited(0), exited(0)])).toBe('Succeeded');
    expect(podPhase('Never', [exited(0), exited(3)])).toBe('Failed');
    expect(podPhase('OnFailure', [exited(0)])).toBe('Succeeded');
    expect(podPhase('OnFailure', [backingOff])).toBe('Running');
  });
});

describe('pod status', () => {
  const snapshot = (containers: ContainerStatus[]) => ({
    restartPolicy: 'Always' as const,
    hostIP: '127.0.0.1',
    podIP: '127.0.1.2',
    startTime: 's',
    containers,
  });

  it('is Ready when every container is, and keeps transition times while nothing flips', () => {
    const first = podStatus(snapshot([{ ...running, ready: true, started: true }]), [], 't1');
    expect(first.phase).toBe('Running');
    expect(first.podIPs).toEqual([{ ip: '127.0.1.2' }]);
    expect(first.conditions.find((c) => c.type === 'Ready')).toEqual({
      type: 'Ready',
      status: 'True',
      lastTransitionTime: 't1',
    });
    const again = podStatus(snapshot([{ ...running, ready: true, started: true }]), first.conditions, 't2');
    expect(again).toEqual(first);
    const unready = podStatus(snapshot([running]), again.conditions, 't3');
    expect(unready.conditions.find((c) => c.type === 'Ready')).toEqual({
      type: 'Ready',
      status: 'False',
      reason: 'ContainersNotReady',
      message: 'containers with unready status: [c]',
      lastTransitionTime: 't3',
    });
    expect(unready.conditions.find((c) => c.type === 'Initialized')?.lastTransitionTime).toBe('t1');
  });

  it('says PodCompleted once the pod has ended', () => {
    const done = podStatus({ ...snapshot([exited(0)]), restartPolicy: 'Never' }, [], 't');
    expect(done.phase).toBe('Succeeded');
    expect(done.conditions.find((c) => c.type === 'ContainersReady')).toMatchObject({
      status: 'False',
      reason: 'PodCompleted',
    });
  });
});

describe('termination message', () => {
  it('is the file, else the log tail when the container failed and the policy asks for it', () => {
    const tail = () => 'last words';
    expect(terminationMessage('{"ok":true}', tail, 'FallbackToLogsOnError', 1)).toBe('{"ok":true}');
    expect(terminationMessage('', tail, 'FallbackToLogsOnError', 1)).toBe('last words');
    expect(terminationMessage('', tail, 'FallbackToLogsOnError', 0)).toBe('');
    expect(terminationMessage('', tail, 'File', 1)).toBe('');
    expect(Buffer.byteLength(terminationMessage('x'.repeat(5000), tail, 'File', 0))).toBe(4096);
  });

  it('falls back to at most 80 lines and 2048 bytes of the log', () => {
    const lines = `${Array.from({ length: 100 }, (_, i) => `line ${i}`).join('\n')}\n`;
    const tail = tailOfLog(lines);
    expect(tail.split('\n')).toHaveLength(80);
    expect(tail.endsWith('line 99')).toBe(true);
    expect(Buffer.byteLength(tailOfLog('y'.repeat(3000)))).toBe(2048);
  });
});
