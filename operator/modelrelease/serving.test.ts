import { describe, expect, it } from 'vitest';
import type { ModelRelease } from '../api/resources.ts';
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
});
