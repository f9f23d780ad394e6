import type { Logger } from '../common/log.ts';
import { ArtifactError } from '../model/artifact.ts';
import type { ServiceMetrics } from './metrics.ts';
import type { ModelSource } from './model-loader.ts';
import type { ServingModel } from './serving-model.ts';

export type LoadModel = (source: ModelSource) => Promise<ServingModel>;

export class ModelLoadError extends Error {
  /** The artifact itself was refused (corrupt, wrong digest, incompatible), not merely unreachable. */
  readonly refused: boolean;

  constructor(message: string, refused: boolean, cause: unknown) {
    super(message, { cause });
    this.name = 'ModelLoadError';
    this.refused = refused;
  }
}

/**
 * Holds the model being served. A request reads `current` once and keeps that object to the end,
 * so a swap (one assignment, after the new model is fully loaded and verified) never changes a
 * model under a request in flight. Loads run one at a time; a failed load leaves `current` as it was.
 */
export class ModelHolder {
  #current: ServingModel | null = null;
  #queue: Promise<unknown> = Promise.resolve();
  readonly #load: LoadModel;
  readonly #metrics: ServiceMetrics;
  readonly #log: Logger;
  readonly #warm: ((model: ServingModel) => Promise<void>) | undefined;
  readonly #serving: ((model: ServingModel) => void) | undefined;
  #pending: ServingModel | null = null;

  /**
   * `warm` runs on a loaded model before it is swapped in (filling its caches while the old model
   * serves); `serving` runs once it answers requests.
   */
  constructor(
    load: LoadModel,
    metrics: ServiceMetrics,
    log: Logger,
    warm?: (model: ServingModel) => Promise<void>,
    serving?: (model: ServingModel) => void,
  ) {
    this.#load = load;
    this.#metrics = metrics;
    this.#log = log;
    this.#warm = warm;
    this.#serving = serving;
  }

  get current(): ServingModel | null {
    return this.#current;
  }

  /** The current model and the one being warmed up, if any: what a user's new rating must invalidate. */
  get live(): ServingModel[] {
    return [this.#current, this.#pending].filter((model) => model !== null);
  }

  /** Loads and swaps in a model; rejects with ModelLoadError and keeps the current one on failure. */
  swap(source: ModelSource): Promise<ServingModel> {
    const run = this.#queue.then(() => this.#loadAndSwap(source));
    this.#queue = run.catch(() => {});
    return run;
  }

  async #loadAndSwap(source: ModelSource): Promise<ServingModel> {
    const started = performance.now();
    let next: ServingModel;
    try {
      next = await this.#load(source);
    } catch (error) {
      this.#metrics.modelLoads.inc({ result: 'failure' });
      const refused = error instanceof ArtifactError;
      this.#log.error(
        this.#current ? 'model load failed; the current model keeps serving' : 'model load failed; no model is serving',
        {
          uri: source.uri,
          refused,
          error,
          serving: this.#current?.digest ?? null,
        },
      );
      throw new ModelLoadError(
        `${refused ? 'artifact refused' : 'artifact could not be read'}: ${(error as Error).message}`,
        refused,
        error,
      );
    }
    const seconds = (performance.now() - started) / 1000;
    if (this.#warm) {
      this.#pending = next;
      try {
        await this.#warm(next);
      } finally {
        this.#pending = null;
      }
    }
    const previous = this.#current;
    this.#current = next;
    this.#serving?.(next);
    const m = this.#metrics;
    m.modelLoads.inc({ result: 'success' });
    m.modelLoadDuration.observe(seconds);
    if (previous)
      m.modelInfo.remove({ model: previous.manifest.model, run: previous.manifest.run, digest: previous.digest });
    m.modelInfo.set({ model: next.manifest.model, run: next.manifest.run, digest: next.digest }, 1);
    m.modelLoadedTimestamp.set(next.loadedAt.getTime() / 1000);
    this.#log.info('model serving', {
      model: next.manifest.model,
      run: next.manifest.run,
      digest: next.digest,
      uri: next.uri,
      loadSeconds: seconds,
      warmSeconds: (performance.now() - started) / 1000 - seconds,
      previous: previous?.digest ?? null,
    });
    return next;
  }
}
