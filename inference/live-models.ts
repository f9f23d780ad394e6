import type { Counter } from 'prom-client';
import type { Logger } from '../common/log.ts';
import { predictRating } from '../model/recommender.ts';
import type { HistogramChild } from './fast-histogram.ts';
import { HttpError } from './http-error.ts';
import type { ServiceMetrics } from './metrics.ts';
import type { ModelHolder } from './model-holder.ts';
import { inServedTop, type OnlineLabel } from './online-figures.ts';
import type { RatingOverlay } from './rating-overlay.ts';
import { userProfile } from './recommendations.ts';
import type { ServingModel } from './serving-model.ts';
import { type ModelRole, roleForUser } from './traffic-split.ts';

/** How the challenger takes part: answering beside the champion unseen, or serving a share of users. */
export interface ChallengerSettings {
  mode: 'shadow' | 'canary';
  /** Percent of users the challenger serves (canary); 0 in shadow mode. */
  sharePercent: number;
  /** A rehearsed fault: each challenger answer holds the event loop this long first, as a slow model would. */
  delayMs?: number;
}

export interface LiveModel {
  role: ModelRole;
  model: ServingModel;
}

/** Waited on, never notified: Atomics.wait on it blocks this thread for its timeout. */
const holdCell = new Int32Array(new SharedArrayBuffer(4));

interface ModelSeries {
  duration: HistogramChild;
  errors: Counter.Internal;
}

/**
 * The champion, and during a rollout the challenger: which one answers a user, the shadow answer,
 * per-model answer times and errors, and the online labels of posted ratings.
 */
export class LiveModels {
  readonly champion: ModelHolder;
  readonly challenger: ModelHolder | null;
  readonly settings: ChallengerSettings | null;
  readonly #metrics: ServiceMetrics;
  readonly #log: Logger;
  readonly #series = new WeakMap<ServingModel, ModelSeries>();

  constructor(
    champion: ModelHolder,
    metrics: ServiceMetrics,
    log: Logger,
    challenger: { holder: ModelHolder; settings: ChallengerSettings } | null = null,
  ) {
    this.champion = champion;
    this.challenger = challenger?.holder ?? null;
    this.settings = challenger?.settings ?? null;
    this.#metrics = metrics;
    this.#log = log;
  }

  /** The model whose answer this user sees; 503 no_model before the champion is loaded. */
  answering(userId: number): LiveModel {
    const champion = this.champion.current;
    if (!champion) throw new HttpError(503, 'no_model', 'no model is loaded yet');
    if (this.settings?.mode === 'canary' && this.settings.sharePercent > 0) {
      const challenger = this.challenger?.current;
      if (challenger && roleForUser(userId, this.settings.sharePercent) === 'challenger')
        return { role: 'challenger', model: challenger };
    }
    return { role: 'champion', model: champion };
  }

  /** In shadow mode, the challenger that answers every user beside the champion, unseen. */
  shadow(): LiveModel | null {
    const model = this.settings?.mode === 'shadow' ? this.challenger?.current : null;
    return model ? { role: 'challenger', model } : null;
  }

  /** The models answering now, champion first: each is scored on every posted rating. */
  serving(): LiveModel[] {
    const live: LiveModel[] = [];
    const champion = this.champion.current;
    if (champion) live.push({ role: 'champion', model: champion });
    const challenger = this.challenger?.current;
    if (challenger) live.push({ role: 'challenger', model: challenger });
    return live;
  }

  /** Every model that may answer next (serving, or warming up to replace one): what a new rating invalidates. */
  all(): ServingModel[] {
    return [...this.champion.live, ...(this.challenger?.live ?? [])];
  }

  /** Runs one model's answer to a user, timing it and counting its failure (rethrown). */
  answer<T>(live: LiveModel, compute: () => T): T {
    const series = this.#seriesOf(live);
    const started = performance.now();
    const delayMs = live.role === 'challenger' ? (this.settings?.delayMs ?? 0) : 0;
    if (delayMs > 0) Atomics.wait(holdCell, 0, 0, delayMs);
    try {
      const result = compute();
      series.duration.observe((performance.now() - started) / 1000);
      return result;
    } catch (error) {
      series.duration.observe((performance.now() - started) / 1000);
      series.errors.inc();
      throw error;
    }
  }

  /** A shadow answer, off the user's request: recorded by `compute`, never returned; failures counted, logged. */
  answerInShadow(compute: (shadow: LiveModel) => void): void {
    const shadow = this.shadow();
    if (!shadow) return;
    setImmediate(() => {
      try {
        this.answer(shadow, () => compute(shadow));
      } catch (error) {
        this.#log.warn('shadow answer failed', { run: shadow.model.manifest.run, error });
      }
    });
  }

  /**
   * Each serving model's prediction of the user's rating of the movie, and whether it was in the
   * top 10 it last served them: taken before the rating is stored, so no model has seen it.
   */
  labelsBefore(overlay: RatingOverlay, userId: number, movieId: number): Omit<OnlineLabel, 'rating'>[] {
    const labels: Omit<OnlineLabel, 'rating'>[] = [];
    for (const live of this.serving()) {
      const { model } = live;
      try {
        const label = this.answer(live, () => {
          const item = model.recommender.factors.items.indexOf(movieId);
          if (item < 0) return undefined;
          const served = model.lastServed.get(userId);
          return {
            role: live.role,
            run: model.manifest.run,
            userId,
            movieId,
            predicted: predictRating(model.recommender, userProfile(model, overlay, userId), item),
            served: served !== undefined,
            hit: served !== undefined && inServedTop(served, movieId),
          };
        });
        if (label) labels.push(label);
      } catch (error) {
        // A label is never worth a rating: the rating is stored whatever a model does here.
        this.#log.warn('online label prediction failed', { run: model.manifest.run, error });
      }
    }
    return labels;
  }

  /** Counts the labels of an acknowledged rating in the online metrics, and logs each as a record. */
  record(labels: readonly OnlineLabel[]): void {
    const m = this.#metrics;
    for (const label of labels) {
      const series = { role: label.role, run: label.run };
      m.onlineSquaredError.observe(series, (label.predicted - label.rating) ** 2);
      if (label.served) m.onlineServedRatings.inc(series);
      if (label.served && label.hit) m.onlineHits.inc(series);
      this.#log.info('online label', { ...label });
    }
  }

  #seriesOf(live: LiveModel): ModelSeries {
    let series = this.#series.get(live.model);
    if (!series) {
      const labels = { role: live.role, run: live.model.manifest.run };
      series = {
        duration: this.#metrics.modelAnswerDuration.labels(labels),
        errors: this.#metrics.modelAnswerErrors.labels(labels),
      };
      this.#series.set(live.model, series);
    }
    return series;
  }
}
