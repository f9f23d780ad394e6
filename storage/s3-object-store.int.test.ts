import { describe, it } from 'vitest';
import { createTestBucket } from '../testenv/fixtures.ts';
import { describeObjectStore } from './object-store-contract.ts';
import { S3ObjectStore } from './s3-object-store.ts';

const endpoint = process.env.MOVIE_RECO_TEST_S3_ENDPOINT;
const accessKey = process.env.MOVIE_RECO_TEST_S3_ACCESS_KEY;
const secretKey = process.env.MOVIE_RECO_TEST_S3_SECRET_KEY;

if (endpoint && accessKey && secretKey) {
  describeObjectStore('S3 (MinIO), under a prefix', async () => {
    const bucket = await createTestBucket('objects');
    return {
      store: new S3ObjectStore(`s3://${bucket.name}/models/reco`, { endpoint, accessKey, secretKey }),
      cleanup: () => bucket.remove(),
    };
  });

  describeObjectStore('S3 (MinIO), bucket root, created on first put', async () => {
    const bucket = await createTestBucket('objects-root');
    await bucket.remove();
    const store = new S3ObjectStore(`s3://${bucket.name}`, { endpoint, accessKey, secretKey, createBucket: true });
    return {
      store,
      async cleanup() {
        for (const object of await store.list()) await store.delete(object.key);
        await bucket.client.removeBucket(bucket.name);
      },
    };
  });
} else {
  describe.skip('S3 object store: MOVIE_RECO_TEST_S3_ENDPOINT, _ACCESS_KEY and _SECRET_KEY are not set', () => {
    it('runs against MinIO', () => {});
  });
}
