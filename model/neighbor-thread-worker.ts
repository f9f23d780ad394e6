// Entry point of the worker thread started by neighbor-thread.ts.
import { parentPort, workerData } from 'node:worker_threads';
import type { NeighborThreadJob, NeighborThreadResult } from './neighbor-thread.ts';
import { fitItemNeighbors } from './neighbors.ts';

const { rows, params } = workerData as NeighborThreadJob;
const started = performance.now();
const neighbors = fitItemNeighbors(rows, params);
const result: NeighborThreadResult = { neighbors, seconds: (performance.now() - started) / 1000, thread: 'worker' };
const { rating, cooccurrence } = neighbors;
const buffers = new Set<ArrayBuffer>(
  [
    rating.offsets,
    rating.neighborItems,
    rating.similarities,
    rating.baseline.userBias,
    rating.baseline.itemBias,
    cooccurrence.offsets,
    cooccurrence.neighborItems,
    cooccurrence.similarities,
  ].map((array) => array.buffer as ArrayBuffer),
);
parentPort!.postMessage(result, [...buffers]);
