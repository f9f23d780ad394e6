import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { WorkQueue } from './work-queue.ts';

describe('WorkQueue', () => {
  it('hands out each waiting key once, however often it was added', async () => {
    const queue = new WorkQueue();
    queue.add('ns/a');
    queue.add('ns/b');
    queue.add('ns/a');
    expect(queue.length).toBe(2);
    expect(await queue.get()).toBe('ns/a');
    expect(await queue.get()).toBe('ns/b');
    expect(queue.length).toBe(0);
  });

  it('never gives a key to two workers; an add during processing comes back after done', async () => {
    const queue = new WorkQueue();
    queue.add('ns/a');
    const key = await queue.get();
    queue.add('ns/a');
    queue.add('ns/a');
    expect(queue.length).toBe(0);
    queue.done(key!);
    expect(queue.length).toBe(1);
    expect(await queue.get()).toBe('ns/a');
    queue.done('ns/a');
    expect(queue.length).toBe(0);
  });

  it('wakes a waiting worker on add', async () => {
    const queue = new WorkQueue();
    const next = queue.get();
    queue.add('ns/x');
    expect(await next).toBe('ns/x');
  });

  it('backs off exponentially per key and forgets after success', () => {
    const queue = new WorkQueue({ baseDelayMs: 10, maxDelayMs: 50 });
    expect([1, 2, 3, 4, 5].map(() => queue.addRateLimited('ns/a'))).toEqual([10, 20, 40, 50, 50]);
    expect(queue.addRateLimited('ns/b')).toBe(10);
    queue.forget('ns/a');
    expect(queue.addRateLimited('ns/a')).toBe(10);
    queue.shutDown();
  });

  it('adds a delayed key once, at the earliest requested time', async () => {
    vi.useFakeTimers();
    onTestFinished(() => {
      vi.useRealTimers();
    });
    const queue = new WorkQueue();
    queue.addAfter('ns/a', 200);
    queue.addAfter('ns/a', 10);
    queue.addAfter('ns/a', 100);
    vi.advanceTimersByTime(9);
    expect(queue.length).toBe(0);
    vi.advanceTimersByTime(1);
    expect(queue.length).toBe(1);
    const key = await queue.get();
    queue.done(key!);
    // The later requests were dropped, not merely deduplicated against a key still waiting.
    vi.advanceTimersByTime(300);
    expect(queue.length).toBe(0);
  });

  it('releases waiting workers on shut down', async () => {
    const queue = new WorkQueue();
    const next = queue.get();
    queue.shutDown();
    expect(await next).toBeUndefined();
  });
});
