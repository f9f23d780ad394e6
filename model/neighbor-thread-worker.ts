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
import { ratingTables, subsetRows, type RatingTables } from './training-set.ts';

const port = parentPort!;

port.once('message', (job: NeighborThreadJob) => {
  const { rows, fit, params, ease: easeParams, ials: ialsParams, ranking, popularityMinRatings } = job;
  const fitRows = fit ? subsetRows(rows, fit) : rows;
  const started = performance.now();
  const neighbors = fitItemNeighbors(fitRows, params);
  const easeStarted = performance.now();
  const ease = easeParams ? fitEase(fitRows, easeParams) : [];
  const ialsStarted = performance.now();
  const ials = ialsParams ? fitIalsRanking(fitRows, ialsParams) : null;
  const ialsSeconds = (performance.now() - ialsStarted) / 1000;
  const tables = ratingTables(fitRows, popularityMinRatings);
  const result: NeighborThreadResult = {
    neighbors,
    ease,
    ials,
    tables,
    seconds: (easeStarted - started) / 1000,
    easeSeconds: (ialsStarted - easeStarted) / 1000,
    ialsSeconds,
    thread: 'worker',
  };
  const { rating, cooccurrence } = neighbors;
  // what this thread scores the co-occurrence ranking with next is copied, not transferred
  const kept: ArrayBufferView[] = ranking
    ? [cooccurrence.offsets, cooccurrence.neighborItems, cooccurrence.similarities, ...tableArrays(tables)]
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
        ...tableArrays(tables),
      ] as ArrayBufferView[]
    )
      .filter((array) => !kept.includes(array))
      .map((array) => array.buffer as ArrayBuffer),
  );
  port.postMessage({ kind: 'fit', result } satisfies WorkerMessage, [...buffers]);
  if (!ranking) return;
  // gathered while the main thread may still fit the factors
  const gatherStarted = performance.now();
  const candidateSets = cooccurrenceCandidateSets(cooccurrence, tables.rated, ranking.sample, ranking.grid.ratingPower);
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
      ...tables,
    };
    const ndcg = cooccurrenceNdcg(model, ranking.sample, ranking.grid, candidateSets);
    const seconds = (performance.now() - scoringStarted) / 1000;
    port.postMessage({ kind: 'cooccurrence', ndcg, seconds, gatherSeconds } satisfies WorkerMessage);
    // the served model's tables are of all the rows: drawn while the main thread chooses
    const all = fit ? ratingTables(rows, popularityMinRatings) : tables;
    const transfer = fit ? tableArrays(all).map((array) => array.buffer as ArrayBuffer) : [];
    port.postMessage({ kind: 'tables', tables: all } satisfies WorkerMessage, transfer);
  });
});

function tableArrays({ rated, popularity }: RatingTables): ArrayBufferView[] {
  return [rated.offsets, rated.items, rated.ratings, popularity];
}
