import { Worker } from 'node:worker_threads';
import type { EaseModel, EaseParams } from './ease.ts';
import type { IalsRanking, IalsRankingParams } from './ials-ranking.ts';
import type { ItemNeighbors, NeighborParams } from './neighbors.ts';
import type { RatingRows } from './training-set.ts';

/** What the worker receives: plain typed arrays, copied by the structured clone. */
export interface NeighborThreadJob {
  rows: RatingRows;
  params: NeighborParams;
  /** Fit EASE models too, after the neighbours (null: none). */
  ease: EaseParams | null;
  /** Fit iALS too, after EASE (null: none). */
  ials: IalsRankingParams | null;
}

export interface NeighborThreadResult {
  neighbors: ItemNeighbors;
  ease: EaseModel[];
  ials: IalsRanking | null;
  /** The neighbour fit's own duration, without thread start-up. */
  seconds: number;
  easeSeconds: number;
  ialsSeconds: number;
  thread: 'worker' | 'main';
}

export interface PendingNeighborFit {
  readonly result: Promise<NeighborThreadResult>;
  /** Stops the worker when its result is no longer wanted (the other half of the job failed). */
  cancel(): void;
}

/**
 * Fits the item-neighbour models, then the EASE models and iALS, on a worker thread, so that they train while
 * the main thread runs the factor model's SGD: the fits share nothing but the ratings. The ratings are copied to the
 * worker (12 bytes a rating); the neighbour tables come back transferred, not copied.
 */
export function fitItemNeighborsOnThread(
  set: RatingRows,
  params: NeighborParams,
  ease: EaseParams | null,
  ials: IalsRankingParams | null,
): PendingNeighborFit {
  const rows: RatingRows = {
    users: { size: set.users.size },
    items: { size: set.items.size },
    length: set.length,
    userIndex: set.userIndex,
    itemIndex: set.itemIndex,
    values: set.values,
    mean: set.mean,
    itemCounts: set.itemCounts,
  };
  const job: NeighborThreadJob = { rows, params, ease, ials };
  const worker = new Worker(new URL('./neighbor-thread-worker.ts', import.meta.url), { workerData: job });
  const result = new Promise<NeighborThreadResult>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) =>
      reject(new Error(`the neighbour fit's worker thread exited (code ${code}) without a result`)),
    );
  });
  // a cancelled fit rejects with nobody waiting for it
  result.catch(() => {});
  return { result, cancel: () => void worker.terminate() };
}
