import { describe, expect, it } from 'vitest';
import type { ModelRelease } from '../api/resources.ts';
import { backendOfSecret, releaseBackend } from './backend-secret.ts';

const release = (spec: Partial<ModelRelease['spec']>): ModelRelease => ({
  apiVersion: 'reco.mlops.dev/v1alpha1',
  kind: 'ModelRelease',
  metadata: { name: 'movielens', namespace: 'team-a' },
  spec: { model: 'movielens', ...spec },
});
const base64 = (text: string) => Buffer.from(text).toString('base64');

describe('releaseBackend', () => {
  it("takes the serving Secret first (where ratings are posted), then the retrain template's", () => {
    const retrain = { minNewRatings: 10, template: { backendSecretRef: { name: 'trainers' } } };
    expect(releaseBackend(release({ serving: { backendSecretRef: { name: 'serving' } }, retrain }))).toEqual({
      namespace: 'team-a',
      secret: 'serving',
    });
    expect(releaseBackend(release({ retrain }))).toEqual({ namespace: 'team-a', secret: 'trainers' });
    expect(releaseBackend(release({ serving: { replicas: 1 } }))).toEqual({ namespace: 'team-a', secret: undefined });
  });
});

describe('backendOfSecret', () => {
  it('decodes the keys trainers and inference pods read, and leaves out what the Secret lacks', () => {
    expect(
      backendOfSecret({
        MOVIE_RECO_DATABASE_URL: base64('mysql://u:p@db:3306/team_a'),
        MOVIE_RECO_ARTIFACT_STORE: base64('s3://models/team-a'),
        MOVIE_RECO_S3_ENDPOINT: base64('http://minio:9000'),
        MOVIE_RECO_S3_ACCESS_KEY: base64('key'),
        MOVIE_RECO_S3_SECRET_KEY: base64('secret'),
      }),
    ).toEqual({
      databaseUrl: 'mysql://u:p@db:3306/team_a',
      artifactStore: 's3://models/team-a',
      s3: { endpoint: 'http://minio:9000', accessKey: 'key', secretKey: 'secret', region: undefined },
    });
    expect(backendOfSecret(undefined)).toEqual({ databaseUrl: undefined, artifactStore: undefined, s3: undefined });
  });
});
