/**
 * The artifacts finalizer's I/O: put it on every run, and when a run is deleted delete its objects
 * from its backend's object store (never those a release still needs) and a search's trial records
 * from its backend's database (artifact-cleanup.ts says which), tell in Events, then let the run go.
 * A store or database that cannot be reached holds the run (retried with backoff); a backend that
 * cannot be known (Secret gone, forbidden, no artifact store or database) lets it go with a Warning.
 */
import * as k8s from '@kubernetes/client-node';
import type { Logger } from '../../common/log.ts';
import type { Database } from '../../storage/database.ts';
import type { ObjectStore } from '../../storage/object-store.ts';
import { deleteTrialRecords } from '../../storage/search-trials.ts';
import { group, trainingRuns, version, type ModelRelease, type TrainingRun } from '../api/resources.ts';
import { isStatus } from '../kit/api-errors.ts';
import type { EventRecorder } from '../kit/events.ts';
import { runBackend, type BackendRef } from '../tenants/backend-secret.ts';
import {
  artifactKeeper,
  artifactPrefixOf,
  artifactsFinalizer,
  cleanupOf,
  hasArtifactsFinalizer,
  type RunCleanup,
} from './artifact-cleanup.ts';

export interface ArtifactFinalizerDeps {
  kc: k8s.KubeConfig;
  /** The object store and database of a run's backend Secret (tenants/tenant-backends.ts); undefined: none named. */
  stores: {
    objectStore(ref: BackendRef & { secret: string }): Promise<ObjectStore | undefined>;
    databaseOfSecret(ref: BackendRef & { secret: string }): Promise<Database | undefined>;
  };
  releases: { list(namespace?: string): readonly ModelRelease[] };
  events: EventRecorder;
  log: Logger;
}

const mergePatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

export class ArtifactFinalizer {
  readonly #deps: ArtifactFinalizerDeps;
  readonly #objects: k8s.CustomObjectsApi;

  constructor(deps: ArtifactFinalizerDeps) {
    this.#deps = deps;
    this.#objects = deps.kc.makeApiClient(k8s.CustomObjectsApi);
  }

  /** The run with the finalizer on it (patched when missing); undefined when the cache was stale (409). */
  async ensure(run: TrainingRun): Promise<TrainingRun | undefined> {
    if (hasArtifactsFinalizer(run)) return run;
    return this.#setFinalizers(run, [...(run.metadata.finalizers ?? []), artifactsFinalizer]);
  }

  /** For a run being deleted: its artifacts and a search's trial records deleted or kept, then the finalizer off. */
  async finalize(run: TrainingRun): Promise<{ requeueAfterMs: number } | undefined> {
    if (!hasArtifactsFinalizer(run)) return undefined;
    const { events, releases } = this.#deps;
    const keeper = artifactKeeper(run, releases.list(run.metadata.namespace));
    const cleanup = cleanupOf(run, keeper);
    if (keeper) {
      const kept = cleanup.keepUnder
        ? `the best trial's artifact of ${run.metadata.name} (${cleanup.keepUnder})`
        : `artifacts of ${run.metadata.name} (${artifactPrefixOf(run)})`;
      const message = `${kept} kept: it is the ${keeper.role} of ModelRelease ${keeper.release.metadata.name}`;
      await events.record(run, { type: 'Normal', reason: 'ArtifactsKept', message });
      await events.record(keeper.release, { type: 'Normal', reason: 'ArtifactsKept', message });
    }
    await this.#deleteObjects(run, cleanup);
    await this.#deleteTrialRecords(run, cleanup);
    const rest = (run.metadata.finalizers ?? []).filter((f) => f !== artifactsFinalizer);
    return (await this.#setFinalizers(run, rest)) ? undefined : { requeueAfterMs: 20 };
  }

  async #deleteObjects(run: TrainingRun, { deleteUnder, keepUnder }: RunCleanup): Promise<void> {
    if (!deleteUnder) return;
    const store = await this.#backendPart(run, {
      reason: 'ArtifactsNotDeleted',
      what: `artifacts under ${deleteUnder}`,
      setting: 'MOVIE_RECO_ARTIFACT_STORE',
      open: (ref) => this.#deps.stores.objectStore(ref),
    });
    if (!store) return;
    const objects = (await store.list(deleteUnder)).filter((object) => !keepUnder || !object.key.startsWith(keepUnder));
    for (const object of objects) await store.delete(object.key);
    this.#deps.log.info('deleted the artifacts of a deleted run', { run: run.metadata.name, objects: objects.length });
    await this.#deps.events.record(run, {
      type: 'Normal',
      reason: 'ArtifactsDeleted',
      message:
        `deleted ${objects.length} objects under ${store.uriOf(deleteUnder.slice(0, -1))}/` +
        (keepUnder ? `, all but the best trial's` : ''),
    });
  }

  async #deleteTrialRecords(run: TrainingRun, { trialRecords }: RunCleanup): Promise<void> {
    if (!trialRecords) return;
    const { searchRunId, keepIndex } = trialRecords;
    const db = await this.#backendPart(run, {
      reason: 'TrialRecordsNotDeleted',
      what: `the records of ${searchRunId}'s trials`,
      setting: 'MOVIE_RECO_DATABASE_URL',
      open: (ref) => this.#deps.stores.databaseOfSecret(ref),
    });
    if (!db) return;
    const deleted = await deleteTrialRecords(db, searchRunId, keepIndex === undefined ? {} : { index: keepIndex });
    this.#deps.log.info('deleted the trial records of a deleted search', { run: searchRunId, trials: deleted.length });
    await this.#deps.events.record(run, {
      type: 'Normal',
      reason: 'TrialRecordsDeleted',
      message:
        `deleted the records of ${deleted.length} trials of ${searchRunId}` +
        (keepIndex === undefined ? '' : `; trial ${keepIndex}'s stays, the run's result`),
    });
  }

  /**
   * The run's store or database; undefined (told in a Warning) when its backend cannot be known
   * or names none. An unreachable one throws: the run is held and tried again.
   */
  async #backendPart<T>(
    run: TrainingRun,
    part: {
      reason: string;
      what: string;
      setting: string;
      open: (ref: BackendRef & { secret: string }) => Promise<T | undefined>;
    },
  ): Promise<T | undefined> {
    const { reason, what, setting, open } = part;
    const ref = runBackend(run) as BackendRef & { secret: string };
    const warn = (why: string) =>
      this.#deps.events.record(run, { type: 'Warning', reason, message: `${what} left in place: ${why}` });
    let opened: T | undefined;
    try {
      opened = await open(ref);
    } catch (error) {
      const cause = (error as Error).cause;
      if (!isStatus(cause, 404) && !isStatus(cause, 403)) throw error;
      await warn((error as Error).message);
      return undefined;
    }
    if (opened === undefined) await warn(`backend Secret ${ref.secret} names no ${setting}`);
    return opened;
  }

  /** Merge patch carrying the resourceVersion: a stale cache gets 409 (undefined) and decides again. */
  async #setFinalizers(run: TrainingRun, finalizers: string[]): Promise<TrainingRun | undefined> {
    try {
      return (await this.#objects.patchNamespacedCustomObject(
        {
          group,
          version,
          plural: trainingRuns.plural,
          namespace: run.metadata.namespace!,
          name: run.metadata.name!,
          body: { metadata: { finalizers, resourceVersion: run.metadata.resourceVersion } },
        },
        mergePatch,
      )) as TrainingRun;
    } catch (error) {
      if (isStatus(error, 409)) return undefined;
      // Gone already: nothing left to hold.
      if (isStatus(error, 404)) return undefined;
      throw error;
    }
  }
}
