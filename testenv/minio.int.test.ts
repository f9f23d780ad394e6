import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestBucket, s3Coordinates, type TestBucket } from './fixtures.ts';

describe('MinIO from the test environment', () => {
  let bucket: TestBucket;
  beforeAll(async () => {
    bucket = await createTestBucket('smoke');
  });
  afterAll(async () => {
    await bucket?.remove();
  });

  it('listens on loopback only', () => {
    expect(new URL(s3Coordinates().endpoint).hostname).toBe('127.0.0.1');
  });

  it('creates a bucket, writes an object and reads it back through the minio client', async () => {
    expect(await bucket.client.bucketExists(bucket.name)).toBe(true);
    const body = Buffer.from(JSON.stringify({ model: 'svd', factors: 32 }));
    await bucket.client.putObject(bucket.name, 'models/a/manifest.json', body, body.length, {
      'Content-Type': 'application/json',
    });

    const stat = await bucket.client.statObject(bucket.name, 'models/a/manifest.json');
    expect(stat.size).toBe(body.length);
    const chunks: Buffer[] = [];
    for await (const chunk of await bucket.client.getObject(bucket.name, 'models/a/manifest.json'))
      chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).equals(body)).toBe(true);
  });

  it('refuses wrong credentials', async () => {
    const { Client } = await import('minio');
    const url = new URL(s3Coordinates().endpoint);
    const intruder = new Client({
      endPoint: url.hostname,
      port: Number(url.port),
      useSSL: false,
      accessKey: 'nobody',
      secretKey: 'wrong-secret',
    });
    await expect(intruder.bucketExists(bucket.name)).rejects.toThrow(/Access Key|InvalidAccessKeyId|denied/i);
  });
});
