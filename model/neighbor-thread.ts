import { Worker } from 'node:worker_threads';
import type { EaseModel, EaseParams } from './ease.ts';
import type { FactorModel } from './factor-model.ts';
import type { IalsRanking, IalsRankingParams } from './ials-ranking.ts';
import { IdIndex } from './id-index.ts';
import type { ItemNeighbors, NeighborParams } from './neighbors.ts';
import type { RankingGrid, RankingSample } from './ranking-choice.ts';
import type { RatingBlend, RankingParams, Recommender } from './recommender.ts';
import type { RatingRows, RatingTables } from './training-set.ts';

/** What the worker receives: plain typed arrays, the ratings' shared (see buildTrainingSet), the rest copied. */
export interface NeighborThreadJob {
  rows: RatingRows;
  /** The rows to fit on (null: all); the worker takes the subset itself. */
  fit: Int32Array | null;
  params: NeighborParams;
  /** Fit EASE models too, after the neighbours (null: none). */
  ease: EaseParams | null;
  /** Fit iALS too, after EASE (null: none). */
  ials: IalsRankingParams | null;
  /** Score the co-occurrence ranking on this sample once the factor model arrives (null: the fit only). */
  ranking: { sample: RankingSample; grid: RankingGrid } | null;
  popularityMinRatings: number;
}

export interface NeighborThreadResult {
  neighbors: ItemNeighbors;
  ease: EaseModel[];
  ials: IalsRanking | null;
  /** Of the rows fitted on. */
  tables: RatingTables;
  /** The neighbour fit's own duration, without thread start-up. */
  seconds: number;
  easeSeconds: number;
  ialsSeconds: number;
  thread: 'worker' | 'main';
}

/** The validation model's parts the worker lacks to score the co-occurrence ranking (it has the lists and ratings). */
export interface CooccurrenceScoringInput {
  factors: PlainFactorModel;
  blend: RatingBlend;
  ranking: RankingParams;
}

export type WorkerMessage =
  | { kind: 'fit'; result: NeighborThreadResult }
  | ({ kind: 'cooccurrence' } & CooccurrenceScores)
  | { kind: 'tables'; tables: RatingTables };

/** The co-occurrence grid [power][weight]; the seconds spent gathering candidates (ahead, on a worker) and scoring. */
export interface CooccurrenceScores {
  ndcg: number[][];
  gatherSeconds: number;
  seconds: number;
}

export interface PendingNeighborFit {
  readonly result: Promise<NeighborThreadResult>;
  /**
   * NDCG@10 of the co-occurrence ranking on the job's sample, [power][weight], with `model` (the
   * validation model, holding the fitted lists) and the seconds it took; only for a job with a sample.
   */
  scoreCooccurrence(model: Recommender): Promise<CooccurrenceScores>;
  /** The rating tables of all the job's rows (the served model's), drawn after the scoring; only after it. */
  allTables(): Promise<RatingTables>;
  /** Stops the worker when its results are no longer wanted (it ends by itself once it has sent them). */
  cancel(): void;
}

/**
 * A worker thread for the neighbour, EASE and iALS fits, so that they train while the main thread runs
 * the factor model's SGD: the fits share nothing but the ratings. Started before its job is ready, so
 * that it boots (50-150 ms) while the main thread splits the ratings. The ratings are shared with the
 * worker, which takes the subset to fit on itself and draws the rating tables (rated items,
 * popularity) of both; the models come back transferred, not copied, but for what the worker keeps
 * to score the co-occurrence ranking on the validation slice, beside the main thread scoring the others.
 */
export class NeighborThread {
  readonly #worker = new Worker(new URL('./neighbor-thread-worker.ts', import.meta.url));
  readonly #next = messageQueue(this.#worker);
  #started = false;

  /** Posts the thread's one job. */
  fit(job: NeighborThreadJob): PendingNeighborFit {
    if (this.#started) throw new Error('a neighbour thread takes one job');
    this.#started = true;
    this.#worker.postMessage({ ...job, rows: plainRows(job.rows) });
    const result = this.#next().then((message) => expectMessage(message, 'fit').result);
    // a cancelled fit rejects with nobody waiting for it
    result.catch(() => {});
    return {
      result,
      scoreCooccurrence: async (model) => {
        if (!job.ranking) throw new Error('the neighbour job had no ranking sample to score');
        const { factors, blend, ranking } = model;
        const input: CooccurrenceScoringInput = { factors: plainFactorModel(factors), blend, ranking };
        this.#worker.postMessage(input);
        const { kind: _, ...scores } = expectMessage(await this.#next(), 'cooccurrence');
        return scores;
      },
      allTables: async () => expectMessage(await this.#next(), 'tables').tables,
      cancel: () => this.cancel(),
    };
  }

  cancel(): void {
    void this.#worker.terminate();
  }
}

/** The rows the fits read, without what else a training set holds (its id indexes, its by-user copy). */
function plainRows(set: RatingRows): RatingRows {
  const { length, userIndex, itemIndex, values, mean, itemCounts } = set;
  return {
    users: { size: set.users.size },
    items: { size: set.items.size },
    length,
    userIndex,
    itemIndex,
    values,
    mean,
    itemCounts,
  };
}

function expectMessage<K extends WorkerMessage['kind']>(
  message: unknown,
  kind: K,
): Extract<WorkerMessage, { kind: K }> {
  const received = message as WorkerMessage;
  if (received.kind !== kind) throw new Error(`the neighbour thread sent ${received.kind}, expected ${kind}`);
  return received as Extract<WorkerMessage, { kind: K }>;
}

/** The worker's messages in order; once it fails or exits, every later wait rejects. */
function messageQueue(worker: Worker): () => Promise<unknown> {
  const arrived: unknown[] = [];
  const waiting: { resolve: (message: unknown) => void; reject: (error: Error) => void }[] = [];
  let failure: Error | null = null;
  worker.on('message', (message) => {
    const waiter = waiting.shift();
    if (waiter) waiter.resolve(message);
    else arrived.push(message);
  });
  const fail = (error: Error): void => {
    failure ??= error;
    for (const waiter of waiting.splice(0)) waiter.reject(failure);
  };
  worker.once('error', fail);
  worker.once('exit', (code) =>
    fail(new Error(`the neighbour fit's worker thread exited (code ${code}) without a result`)),
  );
  return () => {
    if (arrived.length > 0) return Promise.resolve(arrived.shift());
    if (failure) return Promise.reject(failure);
    return new Promise((resolve, reject) => waiting.push({ resolve, reject }));
  };
}

/** A factor model as plain arrays, its id indexes as the ids in index order. */
export type PlainFactorModel = Omit<FactorModel, 'users' | 'items'> & { userIds: Int32Array; itemIds: Int32Array };

function plainFactorModel(model: FactorModel): PlainFactorModel {
  const { users, items, ...arrays } = model;
  return { ...arrays, userIds: users.toInt32Array(), itemIds: items.toInt32Array() };
}

export function factorModelFromPlain(plain: PlainFactorModel): FactorModel {
  const { userIds, itemIds, ...arrays } = plain;
  return { ...arrays, users: IdIndex.fromIds(userIds), items: IdIndex.fromIds(itemIds) };
}
