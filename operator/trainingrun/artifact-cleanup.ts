/**
 * What becomes of a run's artifacts when the run goes (pruned by historyLimit or deleted), pure.
 * The trainer writes them under `<model>/<namespace>/<name>/` in its backend's object store
 * (trainer/run-training.ts, runIdFor), a search's trials under `<model>/<namespace>/<name>/trial-<i>/`
 * (trainer/run-trial.ts); a finalizer holds the run until they are deleted, except those a release
 * still serves or may roll back to. A search's trials' records go too, but the best trial's: it is
 * the run's result, and run records are history.
 */
import { trialRunId } from '../../storage/search-trials.ts';
import type { ModelRelease, TrainingRun } from '../api/resources.ts';
import { runIdFor } from './job.ts';

export const artifactsFinalizer = 'reco.mlops.dev/artifacts';

export function hasArtifactsFinalizer(run: TrainingRun): boolean {
  return run.metadata.finalizers?.includes(artifactsFinalizer) ?? false;
}

/** Every object of the run, and no other run's (`run-1/` is not a prefix of `run-10/`). */
export function artifactPrefixOf(run: TrainingRun): string {
  return `${run.spec.model}/${runIdFor(run)}/`;
}

export type NeededAs = 'champion' | 'previous champion' | 'pinned run';

/** The runs a release still needs, by name: its champion, the one before (a rollback), its pinned run. */
export function runsReleaseNeeds(release: ModelRelease): Map<string, NeededAs> {
  const champion = release.status?.champion?.run;
  const previous = release.status?.history?.find((entry) => entry.run !== champion)?.run;
  const needed = new Map<string, NeededAs>();
  const pinned = release.spec.promotion?.pinnedRun;
  if (pinned) needed.set(pinned, 'pinned run');
  if (previous) needed.set(previous, 'previous champion');
  if (champion) needed.set(champion, 'champion');
  return needed;
}

export interface ArtifactKeeper {
  release: ModelRelease;
  role: NeededAs;
}

/** The release of the run's model and namespace that still needs the run's artifact; undefined when none does. */
export function artifactKeeper(run: TrainingRun, releases: readonly ModelRelease[]): ArtifactKeeper | undefined {
  for (const release of releases) {
    if (release.metadata.namespace !== run.metadata.namespace || release.spec.model !== run.spec.model) continue;
    const role = runsReleaseNeeds(release).get(run.metadata.name!);
    if (role) return { release, role };
  }
  return undefined;
}

/** What goes with a deleted run. */
export interface RunCleanup {
  /** Objects under this prefix go, but those under `keepUnder`; nothing goes when absent. */
  deleteUnder?: string;
  keepUnder?: string;
  /** A search's trials, whose records go but the kept trial's (the best: the run's result). */
  trialRecords?: { searchRunId: string; keepIndex?: number };
}

/**
 * A plain run's objects go unless a release keeps them. A search's: a release keeps the best
 * trial's artifact only (the run's), so the other trials' objects go whoever keeps the run.
 */
export function cleanupOf(run: TrainingRun, keeper: ArtifactKeeper | undefined): RunCleanup {
  const prefix = artifactPrefixOf(run);
  if (!run.spec.search) return keeper ? {} : { deleteUnder: prefix };
  const best = run.status?.search?.best?.index;
  const trialRecords = { searchRunId: runIdFor(run), ...(best !== undefined ? { keepIndex: best } : {}) };
  if (!keeper) return { deleteUnder: prefix, trialRecords };
  // A kept run without a best trial (it never should be) keeps everything.
  if (best === undefined) return {};
  return { deleteUnder: prefix, keepUnder: `${run.spec.model}/${trialRunId(runIdFor(run), best)}/`, trialRecords };
}
