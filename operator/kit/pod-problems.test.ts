import type { V1ContainerStatus, V1Pod, V1PodCondition } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { IMAGE_PULL_GRACE_MS, podProblem } from './pod-problems.ts';

const now = new Date('2026-12-01T12:00:00Z');
const ago = (ms: number) => new Date(now.getTime() - ms);

function pod(
  name: string,
  container: Partial<V1ContainerStatus>,
  options: { age?: number; conditions?: V1PodCondition[] } = {},
): V1Pod {
  return {
    metadata: { name, creationTimestamp: ago(options.age ?? 1_000) },
    status: {
      ...(options.conditions ? { conditions: options.conditions } : {}),
      containerStatuses: [
        { name: 'trainer', image: 'movie-reco:1', imageID: '', ready: false, restartCount: 0, ...container },
      ],
    },
  };
}
const waiting = (reason: string, message?: string) => ({
  state: { waiting: { reason, ...(message ? { message } : {}) } },
});

describe('podProblem', () => {
  it('finds nothing wrong with running, creating or finished pods', () => {
    expect(podProblem([pod('a', { state: { running: { startedAt: ago(10) } } })], now)).toBeUndefined();
    expect(podProblem([pod('a', waiting('ContainerCreating'))], now)).toBeUndefined();
    expect(
      podProblem([pod('a', { state: { terminated: { exitCode: 0, reason: 'Completed' } } })], now),
    ).toBeUndefined();
    expect(podProblem([], now)).toBeUndefined();
  });

  it('gives an image pull the grace period before calling it permanent; a bad name is permanent at once', () => {
    const young = podProblem([pod('a', waiting('ImagePullBackOff', 'Back-off pulling "x:1"'))], now);
    expect(young).toEqual({
      reason: 'ImagePullBackOff',
      message: 'a, container trainer: Back-off pulling "x:1"',
      permanent: false,
    });
    const old = podProblem([pod('a', waiting('ErrImagePull'), { age: IMAGE_PULL_GRACE_MS })], now);
    expect(old).toMatchObject({ reason: 'ErrImagePull', permanent: true });
    expect(podProblem([pod('a', waiting('InvalidImageName'))], now)).toMatchObject({ permanent: true });
  });

  it('tells a missing Secret as it heals once created: never permanent', () => {
    const problem = podProblem(
      [pod('a', waiting('CreateContainerConfigError', 'secret "backend" not found'), { age: 3_600_000 })],
      now,
    );
    expect(problem).toEqual({
      reason: 'CreateContainerConfigError',
      message: 'a, container trainer: secret "backend" not found',
      permanent: false,
    });
  });

  it('tells an unschedulable pod with the scheduler message', () => {
    const unschedulable = pod('a', waiting('ContainerCreating'), {
      conditions: [
        { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/1 nodes: Insufficient cpu' },
      ],
    });
    expect(podProblem([unschedulable], now)).toEqual({
      reason: 'Unschedulable',
      message: 'a: 0/1 nodes: Insufficient cpu',
      permanent: false,
    });
  });

  it('tells OOMKilled from the current or the last state, and a crash loop with its last exit', () => {
    const oom = { state: { terminated: { exitCode: 137, reason: 'OOMKilled' } } };
    expect(podProblem([pod('a', oom)], now)).toMatchObject({ reason: 'OOMKilled', permanent: false });
    const looping = {
      ...waiting('CrashLoopBackOff'),
      lastState: { terminated: { exitCode: 1, reason: 'Error' } },
    };
    expect(podProblem([pod('a', looping)], now)?.message).toBe(
      'a, container trainer keeps crashing (last exit code 1, Error); see kubectl logs a --previous',
    );
    // With FallbackToLogsOnError the message is the log's tail: its last line says why.
    const said = {
      ...looping,
      lastState: {
        terminated: { exitCode: 1, reason: 'Error', message: '{"msg":"starting"}\nmovie-reco serve: bad setting\n\n' },
      },
    };
    expect(podProblem([pod('a', said)], now)?.message).toBe(
      'a, container trainer keeps crashing (last exit code 1, Error): movie-reco serve: bad setting; ' +
        'see kubectl logs a --previous',
    );
  });

  it("reads the newest pod first: a retry's problem, not an old attempt's", () => {
    const older = pod('old', waiting('CreateContainerConfigError'), { age: 50_000 });
    const newer = pod('new', waiting('ImagePullBackOff'), { age: 1_000 });
    expect(podProblem([older, newer], now)?.reason).toBe('ImagePullBackOff');
    const deleting = { ...newer, metadata: { ...newer.metadata, deletionTimestamp: now } };
    expect(podProblem([older, deleting], now)?.reason).toBe('CreateContainerConfigError');
  });
});
