import { MODEL_FILE } from '../../model/artifact.ts';
import { writeArtifact } from '../../storage/artifact-store.ts';
import { openObjectStore } from '../../storage/open-object-store.ts';
import { createTestBucket, s3Coordinates, type TestBucket } from '../../testenv/fixtures.ts';
import { smallArtifact } from './small-model.ts';

export type TestModelRun = 'run-a' | 'run-b' | 'run-corrupt';

/**
 * A fresh test bucket with three small artifacts under models/: run-a and run-b (seeds 1 and 2),
 * and run-corrupt (seed 3) with one byte of its model.bin flipped, so that its manifest no longer
 * matches. The digests are those of the manifests as written.
 */
export async function bucketWithTestModels(
  prefix: string,
): Promise<{ bucket: TestBucket; digests: Record<TestModelRun, string> }> {
  const bucket = await createTestBucket(prefix);
  const store = openObjectStore(`s3://${bucket.name}/models`, { s3: s3Coordinates() });
  const digests = {} as Record<TestModelRun, string>;
  for (const [run, seed] of [
    ['run-a', 1],
    ['run-b', 2],
    ['run-corrupt', 3],
  ] as const) {
    digests[run] = (await writeArtifact(store, run, await smallArtifact(run, seed))).digest;
  }
  await bucket.rewrite(`models/run-corrupt/${MODEL_FILE}`, (bytes) => {
    bytes[100]! ^= 0xff;
  });
  return { bucket, digests };
}

/** The service's settings for the test MinIO. */
export function testS3Env(): Record<string, string> {
  const s3 = s3Coordinates();
  return {
    MOVIE_RECO_S3_ENDPOINT: s3.endpoint,
    MOVIE_RECO_S3_ACCESS_KEY: s3.accessKey,
    MOVIE_RECO_S3_SECRET_KEY: s3.secretKey,
  };
}
