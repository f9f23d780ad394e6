import { describe, expect, it } from 'vitest';
import type { ModelRelease, TrainingRun } from '../api/resources.ts';
import { artifactKeeper, artifactPrefixOf, cleanupOf } from './artifact-cleanup.ts';

const run = (name: string, namespace = 'team-a', model = 'movielens'): TrainingRun => ({
  apiVersion: 'reco.mlops.dev/v1alpha1',
  kind: 'TrainingRun',
  metadata: { name, namespace },
  spec: { model, backendSecretRef: { name: 'backend' } },
});

const release = (status: ModelRelease['status'], pinnedRun?: string): ModelRelease => ({
  apiVersion: 'reco.mlops.dev/v1alpha1',
  kind: 'ModelRelease',
  metadata: { name: 'movielens', namespace: 'team-a' },
  spec: { model: 'movielens', ...(pinnedRun ? { promotion: { pinnedRun } } : {}) },
  status,
});

describe('artifactPrefixOf', () => {
  it("is the trainer's folder of the run, closed by a slash so that run-1 does not match run-10", () => {
    expect(artifactPrefixOf(run('run-1'))).toBe('movielens/team-a/run-1/');
  });
});

describe('artifactKeeper', () => {
  const releases = [release({ champion: { run: 'r3' }, history: [{ run: 'r3' }, { run: 'r2' }, { run: 'r1' }] }, 'r4')];

  it('keeps the champion, the champion before it and the pinned run', () => {
    expect(artifactKeeper(run('r3'), releases)?.role).toBe('champion');
    expect(artifactKeeper(run('r2'), releases)?.role).toBe('previous champion');
    expect(artifactKeeper(run('r4'), releases)?.role).toBe('pinned run');
  });

  it('lets older champions go, and runs of another namespace or model', () => {
    expect(artifactKeeper(run('r1'), releases)).toBeUndefined();
    expect(artifactKeeper(run('r3', 'team-b'), releases)).toBeUndefined();
    expect(artifactKeeper(run('r3', 'team-a', 'other'), releases)).toBeUndefined();
  });
});

describe('cleanupOf', () => {
  const keeper = { release: release({}), role: 'champion' as const };
  const searched = (best?: number): TrainingRun => ({
    ...run('search-1'),
    spec: {
      ...run('search-1').spec,
      search: {
        objective: { metric: 'validationRmse', direction: 'minimize' },
        parameters: { factors: { values: [8, 16] } },
        maxTrials: 12,
      },
    },
    status: best === undefined ? {} : { search: { total: 12, finished: 12, best: { index: best, value: 0.9 } } },
  });

  it("deletes a plain run's folder unless a release keeps it", () => {
    expect(cleanupOf(run('run-1'), undefined)).toEqual({ deleteUnder: 'movielens/team-a/run-1/' });
    expect(cleanupOf(run('run-1'), keeper)).toEqual({});
  });

  it("deletes a search's folder and its trials' records but the best trial's record", () => {
    expect(cleanupOf(searched(1), undefined)).toEqual({
      deleteUnder: 'movielens/team-a/search-1/',
      trialRecords: { searchRunId: 'team-a/search-1', keepIndex: 1 },
    });
    expect(cleanupOf(searched(), undefined)).toEqual({
      deleteUnder: 'movielens/team-a/search-1/',
      trialRecords: { searchRunId: 'team-a/search-1' },
    });
  });

  it("keeps a kept search's best trial's folder, closed by a slash (not trial-10), and lets the rest go", () => {
    expect(cleanupOf(searched(1), keeper)).toEqual({
      deleteUnder: 'movielens/team-a/search-1/',
      keepUnder: 'movielens/team-a/search-1/trial-1/',
      trialRecords: { searchRunId: 'team-a/search-1', keepIndex: 1 },
    });
    expect(cleanupOf(searched(), keeper)).toEqual({});
  });
});
