/** Kubernetes Events about our resources, for `kubectl describe`. Recording never fails a reconcile. */
import * as k8s from '@kubernetes/client-node';
import type { Logger } from '../../common/log.ts';

export interface EventSubject {
  apiVersion: string;
  kind: string;
  metadata: k8s.V1ObjectMeta;
}

export interface EventNote {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

export const component = 'movie-reco-operator';

export class EventRecorder {
  readonly #api: k8s.CoreV1Api;
  readonly #log: Logger;

  constructor(kc: k8s.KubeConfig, log: Logger) {
    this.#api = kc.makeApiClient(k8s.CoreV1Api);
    this.#log = log;
  }

  async record(subject: EventSubject, note: EventNote): Promise<void> {
    const { name, namespace, uid, resourceVersion } = subject.metadata;
    const now = new Date();
    try {
      await this.#api.createNamespacedEvent({
        namespace: namespace!,
        body: {
          metadata: { generateName: `${name}.`, namespace },
          involvedObject: { apiVersion: subject.apiVersion, kind: subject.kind, name, namespace, uid, resourceVersion },
          type: note.type,
          reason: note.reason,
          message: note.message.slice(0, 1024),
          source: { component },
          reportingComponent: component,
          reportingInstance: process.env.HOSTNAME ?? component,
          action: note.reason,
          firstTimestamp: now,
          lastTimestamp: now,
          count: 1,
        },
      });
    } catch (error) {
      this.#log.warn('could not record event', { kind: subject.kind, name, namespace, reason: note.reason, error });
    }
  }
}
