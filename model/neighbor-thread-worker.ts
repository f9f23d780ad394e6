// Entry point of the worker thread started by neighbor-thread.ts.
import { parentPort, workerData } from 'node:worker_threads';
import { fitEase } from './ease.ts';
import { fitIalsRanking } from './ials-ranking.ts';
import type { NeighborThreadJob, NeighborThreadResult } from './neighbor-thread.ts';
import { fitItemNeighbors } from './neighbors.ts';

const { rows, params, ease: easeParams, ials: ialsParams } = workerData as NeighborThreadJob;
const started = performance.now();
const neighbors = fitItemNeighbors(rows, params);
const easeStarted = performance.now();
const ease = easeParams ? fitEase(rows, easeParams) : [];
const ialsStarted = performance.now();
const ials = ialsParams ? fitIalsRanking(rows, ialsParams) : null;
const result: NeighborThreadResult = {
  neighbors,
  ease,
  ials,
  seconds: (easeStarted - started) / 1000,
  easeSeconds: (ialsStarted - easeStarted) / 1000,
  ialsSeconds: (performance.now() - ialsStarted) / 1000,
  thread: 'worker',
};
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
    ...ease.flatMap((model) => [model.items, model.weights, model.positions]),
    ...(ials ? [ials.itemFactors, ials.gramian] : []),
  ].map((array) => array.buffer as ArrayBuffer),
);
parentPort!.postMessage(result, [...buffers]);
