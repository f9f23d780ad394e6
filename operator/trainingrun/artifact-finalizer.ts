/**
 * The artifacts finalizer's I/O: put it on every run, and when a run is deleted delete its objects
 * from its backend's object store (never those a release still needs), tell in Events, then let
 * the run go. A store that cannot be reached holds the run (retried with backoff); a backend that
 * cannot be known (Secret gone, forbidden, no artifact store) lets it go with a Warning.
 */
import * as k8s from '@kubernetes/client-node';
import type { Logger } from '../../common/log.ts';
import type { ObjectStore } from '../../storage/object-store.ts';
import { group, trainingRuns, version, type ModelRelease, type TrainingRun } from '../api/resources.ts';
import { isStatus } from '../kit/api-errors.ts';
import type { EventRecorder } from '../kit/events.ts';
import { runBackend, type BackendRef } from '../tenants/backend-secret.ts';
import { artifactKeeper, artifactPrefixOf, artifactsFinalizer, hasArtifactsFinalizer } from './artifact-cleanup.ts';

export interface ArtifactFinalizerDeps {
  kc: k8s.KubeConfig;
  /** The object store of a run's backend Secret (tenants/tenant-backends.ts). */
  stores: { objectStore(ref: BackendRef & { secret: string }): Promise<ObjectStore | undefined> };
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

  /** For a run being deleted: its artifacts deleted or kept, then the finalizer removed. */
  async finalize(run: TrainingRun): Promise<{ requeueAfterMs: number } | undefined> {
    if (!hasArtifactsFinalizer(run)) return undefined;
    const { events, releases, log } = this.#deps;
    const prefix = artifactPrefixOf(run);
    const keeper = artifactKeeper(run, releases.list(run.metadata.namespace));
    if (keeper) {
      const message =
        `artifacts of ${run.metadata.name} (${prefix}) kept: it is the ${keeper.role} of ` +
        `ModelRelease ${keeper.release.metadata.name}`;
      await events.record(run, { type: 'Normal', reason: 'ArtifactsKept', message });
      await events.record(keeper.release, { type: 'Normal', reason: 'ArtifactsKept', message });
    } else {
      const store = await this.#store(run);
      if (store) {
        const objects = await store.list(prefix);
        for (const object of objects) await store.delete(object.key);
        log.info('deleted the artifacts of a deleted run', { run: run.metadata.name, objects: objects.length });
        await events.record(run, {
          type: 'Normal',
          reason: 'ArtifactsDeleted',
          message: `deleted ${objects.length} objects under ${store.uriOf(prefix.slice(0, -1))}/`,
        });
      }
    }
    const rest = (run.metadata.finalizers ?? []).filter((f) => f !== artifactsFinalizer);
    return (await this.#setFinalizers(run, rest)) ? undefined : { requeueAfterMs: 20 };
  }

  /** The run's store; undefined (told in a Warning) when its backend cannot be known. */
  async #store(run: TrainingRun): Promise<ObjectStore | undefined> {
    const ref = runBackend(run) as BackendRef & { secret: string };
    let store: ObjectStore | undefined;
    try {
      store = await this.#deps.stores.objectStore(ref);
    } catch (error) {
      const cause = (error as Error).cause;
      if (!isStatus(cause, 404) && !isStatus(cause, 403)) throw error;
      await this.#deps.events.record(run, {
        type: 'Warning',
        reason: 'ArtifactsNotDeleted',
        message: `artifacts under ${artifactPrefixOf(run)} left in place: ${(error as Error).message}`,
      });
      return undefined;
    }
    if (!store)
      await this.#deps.events.record(run, {
        type: 'Warning',
        reason: 'ArtifactsNotDeleted',
        message: `backend Secret ${ref.secret} names no MOVIE_RECO_ARTIFACT_STORE: nothing deleted`,
      });
    return store;
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
