import { describe, expect, it } from 'vitest';
import type { ModelRelease } from '../api/resources.ts';
import { serveConfigFromEnv } from '../../inference/config.ts';
import { desiredDeployment } from './serving.ts';

const champion = { run: 'r1', artifactUri: 's3://models/movielens/r1', digest: `sha256:${'0'.repeat(64)}` };
const release = (serving: ModelRelease['spec']['serving']): ModelRelease => ({
  apiVersion: 'reco.mlops.dev/v1alpha1',
  kind: 'ModelRelease',
  metadata: { name: 'movielens', namespace: 'team-a', uid: 'u1' },
  spec: { model: 'movielens', serving },
});
const anonymousWrites = (r: ModelRelease) =>
  desiredDeployment(r, champion, { image: 'movie-reco:1' }).spec!.template.spec!.containers[0]!.env!.find(
    (e) => e.name === 'MOVIE_RECO_ANONYMOUS_WRITES',
  )?.value;

describe('inference Deployment of a release', () => {
  it('takes no anonymous ratings unless the release opens them, with or without credentials', () => {
    expect(anonymousWrites(release({}))).toBe('false');
    expect(anonymousWrites(release({ authSecretRef: { name: 'auth' } }))).toBe('false');
    expect(anonymousWrites(release({ anonymousWrites: true }))).toBe('true');
  });

  it("passes the release's progress deadline to the Deployment, and leaves Kubernetes' default when unset", () => {
    const settings = { image: 'movie-reco:1' };
    expect(desiredDeployment(release({ progressDeadlineSeconds: 30 }), champion, settings).spec).toMatchObject({
      progressDeadlineSeconds: 30,
    });
    expect(desiredDeployment(release({}), champion, settings).spec).not.toHaveProperty('progressDeadlineSeconds');
  });

  it('names the challenger to the pods in the environment the service reads, and only during a rollout', () => {
    const challenger = { run: 'r2', artifactUri: 's3://models/movielens/r2', digest: `sha256:${'1'.repeat(64)}` };
    const podEnv = (deployment: ReturnType<typeof desiredDeployment>) =>
      Object.fromEntries(deployment.spec!.template.spec!.containers[0]!.env!.map((e) => [e.name, e.value!]));
    const settings = { image: 'movie-reco:1' };
    const alone = podEnv(desiredDeployment(release({}), champion, settings));
    expect(serveConfigFromEnv(alone).challenger).toBeUndefined();
    const canary = desiredDeployment(release({}), champion, settings, {
      ...challenger,
      mode: 'canary',
      sharePercent: 25,
    });
    expect(serveConfigFromEnv(podEnv(canary))).toMatchObject({
      modelUri: champion.artifactUri,
      modelDigest: champion.digest,
      challenger: {
        source: { uri: challenger.artifactUri, digest: challenger.digest },
        settings: { mode: 'canary', sharePercent: 25 },
      },
    });
    expect(canary.spec!.template.metadata!.annotations!['reco.mlops.dev/challenger-run']).toBe('r2');
    const shadow = desiredDeployment(release({}), champion, settings, {
      ...challenger,
      mode: 'shadow',
      sharePercent: 0,
      delayMs: 300,
    });
    expect(serveConfigFromEnv(podEnv(shadow)).challenger?.settings).toEqual({
      mode: 'shadow',
      sharePercent: 0,
      delayMs: 300,
    });
  });
});
