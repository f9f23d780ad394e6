/**
 * Retraining, the Airflow DAG's job, pure: whether a release should start a new TrainingRun now,
 * which finished runs fall out of its history, and when to look again.
 *
 * - never two runs of one release at once;
 * - schedule: one run per due slot; with minNewRatings as well, a slot without enough new ratings
 *   since the champion's snapshot is skipped (retraining on the same data changes nothing);
 * - minNewRatings alone: a run as soon as enough ratings arrived;
 * - historyLimit: the oldest finished runs beyond it are deleted, never the champion, the one before it
 *   (its artifact is the rollback) or the pin.
 */
import {
  apiVersion,
  managedByLabel,
  managedByValue,
  modelLabel,
  modelReleaseLabel,
  trainingRuns,
  type ModelRelease,
  type TrainingRun,
} from '../api/resources.ts';
import type { EventNote } from '../kit/events.ts';
import { runsReleaseNeeds } from '../trainingrun/artifact-cleanup.ts';
import { parseSchedule } from './cron.ts';

export interface RetrainInputs {
  release: ModelRelease;
  /** TrainingRuns labelled as this release's. */
  ownedRuns: readonly TrainingRun[];
  /** Every TrainingRun of the release's model in its namespace, owned or not (default: ownedRuns). */
  modelRuns?: readonly TrainingRun[];
  /** Ratings that arrived since ratingsMark's snapshot; undefined when not known (no database). */
  newRatings: number | undefined;
  now: Date;
  ratingsPollMs?: number;
}

export interface RetrainDecision {
  create: TrainingRun | undefined;
  deleteRuns: string[];
  nextRetrainTime: string | undefined;
  /** When to reconcile again to check the schedule or the ratings count. */
  requeueAfterMs: number | undefined;
  events: EventNote[];
}

/** How often a release with minNewRatings (and no schedule) counts new ratings, unless told otherwise. */
export const defaultRatingsPollMs = 60_000;
const isFinal = (run: TrainingRun) => run.status?.phase === 'Succeeded' || run.status?.phase === 'Failed';

/**
 * The rating id new ratings are counted from: the champion's snapshot, else the newest snapshot any
 * finished run of the model trained on (a run the gates rejected must not start another at once),
 * else 0.
 */
export function ratingsMark(champion: string | undefined, modelRuns: readonly TrainingRun[]): number {
  const championMark = modelRuns.find((run) => run.metadata.name === champion)?.status?.dataset?.maxRatingId;
  if (championMark !== undefined) return championMark;
  const finishedMarks = modelRuns.filter(isFinal).map((run) => run.status?.dataset?.maxRatingId ?? 0);
  return Math.max(0, ...finishedMarks);
}

export function decideRetrain({
  release,
  ownedRuns,
  modelRuns = ownedRuns,
  newRatings,
  now,
  ratingsPollMs = defaultRatingsPollMs,
}: RetrainInputs): RetrainDecision {
  const retrain = release.spec.retrain;
  const none: RetrainDecision = {
    create: undefined,
    deleteRuns: [],
    nextRetrainTime: undefined,
    requeueAfterMs: undefined,
    events: [],
  };
  if (!retrain) return none;

  const deleteRuns = historyOverflow(release, ownedRuns, retrain.historyLimit ?? 10);
  const enoughRatings =
    retrain.minNewRatings === undefined ? true : newRatings !== undefined && newRatings >= retrain.minNewRatings;
  const schedule = retrain.schedule ? parseSchedule(retrain.schedule) : undefined;
  const previousNext = release.status?.nextRetrainTime;
  const slotDue = schedule !== undefined && previousNext !== undefined && new Date(previousNext) <= now;
  const nextAfterNow = schedule?.next(now)?.toISOString();
  // A due slot is consumed whether it started a run or was skipped; otherwise keep the pending one.
  const nextRetrainTime = schedule ? (slotDue || !previousNext ? nextAfterNow : previousNext) : undefined;
  const untilNext = nextRetrainTime ? Math.max(1000, new Date(nextRetrainTime).getTime() - now.getTime()) : undefined;
  const requeueAfterMs = retrain.minNewRatings !== undefined && !schedule ? ratingsPollMs : untilNext;

  // Any unfinished run of the model, the release's or not (a first run a person or a chart created).
  const busy = modelRuns.some((run) => !isFinal(run));
  const wanted = schedule ? slotDue && enoughRatings : enoughRatings;
  const events: EventNote[] = [];
  if (schedule && slotDue && !enoughRatings) {
    events.push({
      type: 'Normal',
      reason: 'RetrainSkipped',
      message:
        `scheduled retrain skipped: ${newRatings ?? 'unknown'} new ratings, ` +
        `fewer than minNewRatings ${retrain.minNewRatings}`,
    });
  }
  if (!wanted || busy) return { create: undefined, deleteRuns, nextRetrainTime, requeueAfterMs, events };

  const run = nextRun(release, ownedRuns);
  const why = schedule
    ? `schedule ${retrain.schedule}`
    : `${newRatings} new ratings, at least minNewRatings ${retrain.minNewRatings}`;
  events.push({
    type: 'Normal',
    reason: 'RetrainStarted',
    message: `created TrainingRun ${run.metadata.name} (${why})`,
  });
  return { create: run, deleteRuns, nextRetrainTime, requeueAfterMs, events };
}

/**
 * `<release>-<n>`, n one past the highest so far: a stale cache yields the same name, which the API
 * refuses as a duplicate.
 */
function nextRun(release: ModelRelease, ownedRuns: readonly TrainingRun[]): TrainingRun {
  const prefix = `${release.metadata.name}-`;
  const highest = ownedRuns
    .map((r) => Number(r.metadata.name!.slice(prefix.length)))
    .filter(Number.isInteger)
    .reduce((a, b) => Math.max(a, b), 0);
  const template = release.spec.retrain!.template;
  return {
    apiVersion,
    kind: trainingRuns.kind,
    metadata: {
      name: `${prefix}${highest + 1}`,
      namespace: release.metadata.namespace,
      labels: {
        [managedByLabel]: managedByValue,
        [modelReleaseLabel]: release.metadata.name!,
        [modelLabel]: release.spec.model,
      },
    },
    spec: { ...template, model: release.spec.model },
  };
}

function historyOverflow(release: ModelRelease, ownedRuns: readonly TrainingRun[], limit: number): string[] {
  const keep = runsReleaseNeeds(release);
  // Newest first; completion times have whole seconds, so ties go to the higher run number.
  const finished = ownedRuns
    .filter(isFinal)
    .sort(
      (a, b) =>
        (b.status?.completionTime ?? '').localeCompare(a.status?.completionTime ?? '') ||
        b.metadata.name!.localeCompare(a.metadata.name!, 'en', { numeric: true }),
    );
  return finished
    .slice(limit)
    .map((r) => r.metadata.name!)
    .filter((name) => !keep.has(name));
}
