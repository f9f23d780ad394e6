import { createTestBucket, s3Coordinates } from '../testenv/fixtures.ts';
import { describeObjectStore } from './object-store-contract.ts';
import { S3ObjectStore } from './s3-object-store.ts';

describeObjectStore('S3 (MinIO), under a prefix', async () => {
  const bucket = await createTestBucket('objects');
  return {
    store: new S3ObjectStore(`s3://${bucket.name}/models/reco`, s3Coordinates()),
    cleanup: () => bucket.remove(),
  };
});

describeObjectStore('S3 (MinIO), bucket root, created on first put', async () => {
  const bucket = await createTestBucket('objects-root');
  await bucket.remove();
  const store = new S3ObjectStore(`s3://${bucket.name}`, { ...s3Coordinates(), createBucket: true });
  return {
    store,
    async cleanup() {
      for (const object of await store.list()) await store.delete(object.key);
      await bucket.client.removeBucket(bucket.name);
    },
  };
});
