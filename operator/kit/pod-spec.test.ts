import { describe, expect, it } from 'vitest';
import type { ModelRelease, TrainingRun } from '../api/resources.ts';
import { desiredDeployment } from '../modelrelease/serving.ts';
import { desiredJob } from '../trainingrun/job.ts';

const placement = {
  serviceAccountName: 'ml-workloads',
  imagePullSecrets: [{ name: 'registry-key' }],
  nodeSelector: { pool: 'ml' },
  tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'ml', effect: 'NoSchedule' }],
  affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [] } },
  priorityClassName: 'batch-low',
};
const run = (spec: object): TrainingRun => ({
  apiVersion: 'reco.mlops.dev/v1alpha1',
  kind: 'TrainingRun',
  metadata: { name: 'r1', namespace: 'team-a', uid: 'u1' },
  spec: { model: 'movielens', backendSecretRef: { name: 'backend' }, ...spec },
});
const release = (serving: object): ModelRelease => ({
  apiVersion: 'reco.mlops.dev/v1alpha1',
  kind: 'ModelRelease',
  metadata: { name: 'movielens', namespace: 'team-a', uid: 'u2' },
  spec: { model: 'movielens', serving },
});
const champion = { run: 'r1', artifactUri: 's3://models/movielens/r1', digest: `sha256:${'0'.repeat(64)}` };

describe('pod placement of trainer Jobs and inference Deployments', () => {
  it('passes every placement field of the resource to the pods', () => {
    expect(desiredJob(run(placement), { image: 'movie-reco:1' }).spec!.template.spec).toMatchObject(placement);
    const deployment = desiredDeployment(release(placement), champion, { image: 'movie-reco:1' });
    expect(deployment.spec!.template.spec).toMatchObject(placement);
  });

  it("leaves unset fields to the cluster's defaults, and the pods' security settings to the project", () => {
    for (const pod of [
      desiredJob(run({ nodeSelector: {}, tolerations: [] }), { image: 'movie-reco:1' }).spec!.template.spec!,
      desiredDeployment(release({}), champion, { image: 'movie-reco:1' }).spec!.template.spec!,
    ]) {
      for (const field of Object.keys(placement)) expect(pod, field).not.toHaveProperty(field);
      expect(pod.automountServiceAccountToken).toBe(false);
      expect(pod.securityContext?.runAsNonRoot).toBe(true);
    }
  });
});
