// Entry point of the worker thread started by neighbor-thread.ts: one job, then the co-occurrence scoring when asked.
import { parentPort } from 'node:worker_threads';
import { fitEase } from './ease.ts';
import { fitIalsRanking } from './ials-ranking.ts';
import {
  factorModelFromPlain,
  type CooccurrenceScoringInput,
  type NeighborThreadJob,
  type NeighborThreadResult,
  type WorkerMessage,
} from './neighbor-thread.ts';
import { fitItemNeighbors } from './neighbors.ts';
import { cooccurrenceCandidateSets, cooccurrenceNdcg } from './ranking-choice.ts';
import type { Recommender } from './recommender.ts';
import { sortedRatedItems } from './training-set.ts';

const port = parentPort!;

port.once('message', (job: NeighborThreadJob) => {
  const { rows, params, ease: easeParams, ials: ialsParams, ranking } = job;
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
  // the co-occurrence lists are copied, not transferred, when this thread scores their ranking next
  const kept: ArrayBufferView[] = ranking
    ? [cooccurrence.offsets, cooccurrence.neighborItems, cooccurrence.similarities]
    : [];
  const buffers = new Set<ArrayBuffer>(
    (
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
      ] as ArrayBufferView[]
    )
      .filter((array) => !kept.includes(array))
      .map((array) => array.buffer as ArrayBuffer),
  );
  port.postMessage({ kind: 'fit', result } satisfies WorkerMessage, [...buffers]);
  if (!ranking) return;
  // gathered while the main thread may still fit the factors; the same rated items as its validation model's
  const gatherStarted = performance.now();
  const rated = sortedRatedItems(rows);
  const candidateSets = cooccurrenceCandidateSets(cooccurrence, rated, ranking.sample, ranking.grid.ratingPower);
  const gatherSeconds = (performance.now() - gatherStarted) / 1000;
  port.once('message', (input: CooccurrenceScoringInput) => {
    const scoringStarted = performance.now();
    const model: Recommender = {
      factors: factorModelFromPlain(input.factors),
      // the rating neighbours play no part in the ranking
      neighbors: null,
      cooccurrence,
      ease: null,
      ials: null,
      similar: null,
      blend: input.blend,
      ranking: input.ranking,
      popularity: input.popularity,
      rated,
    };
    const ndcg = cooccurrenceNdcg(model, ranking.sample, ranking.grid, candidateSets);
    const seconds = (performance.now() - scoringStarted) / 1000;
    port.postMessage({ kind: 'cooccurrence', ndcg, seconds, gatherSeconds } satisfies WorkerMessage);
  });
});
