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
  readonly #challengerMode: 'shadow' | 'canary' | undefined;

  /**
   * `warm` runs on a loaded model before it is swapped in (filling its caches while the old model
   * serves); `serving` runs once it answers requests. A challenger's holder reports its model
   * as movie_reco_challenger_info (mode: shadow or canary) instead of movie_reco_model_info.
   */
  constructor(
    load: LoadModel,
    metrics: ServiceMetrics,
    log: Logger,
    warm?: (model: ServingModel) => Promise<void>,
    serving?: (model: ServingModel) => void,
    challengerMode?: 'shadow' | 'canary',
  ) {
    this.#load = load;
    this.#metrics = metrics;
    this.#log = log;
    this.#warm = warm;
    this.#serving = serving;
    this.#challengerMode = challengerMode;
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
    const info = (model: ServingModel) => ({
      model: model.manifest.model,
      run: model.manifest.run,
      digest: model.digest,
    });
    const mode = this.#challengerMode;
    if (mode) {
      if (previous) m.challengerInfo.remove({ ...info(previous), mode });
      m.challengerInfo.set({ ...info(next), mode }, 1);
    } else {
      if (previous) m.modelInfo.remove(info(previous));
      m.modelInfo.set(info(next), 1);
      m.modelLoadedTimestamp.set(next.loadedAt.getTime() / 1000);
    }
    this.#log.info(mode ? 'challenger serving' : 'model serving', {
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
