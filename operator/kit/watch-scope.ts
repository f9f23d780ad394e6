/**
 * Which namespaces the operator acts in, and informers over them: all namespaces (one cluster-wide
 * informer), a list (one informer per namespace, so that a RoleBinding in each is enough), or the
 * namespaces whose labels match a selector (one cluster-wide informer, filtered by a watch on
 * Namespaces: needs cluster-wide rights).
 */
import type * as k8s from '@kubernetes/client-node';
import type { ResilientInformer } from './informer.ts';

export type WatchScope =
  | { kind: 'all' }
  | { kind: 'namespaces'; namespaces: readonly string[] }
  | { kind: 'selector'; labelSelector: string };

/** From the operator's options: --namespaces a,b (or one --namespace), else --namespace-selector, else all. */
export function watchScopeOf(options: { namespaces?: readonly string[]; namespaceSelector?: string }): WatchScope {
  const namespaces = [...new Set(options.namespaces ?? [])];
  if (namespaces.length > 0 && options.namespaceSelector)
    throw new Error('give a list of namespaces or a namespace selector, not both');
  if (namespaces.length > 0) return { kind: 'namespaces', namespaces };
  if (options.namespaceSelector) return { kind: 'selector', labelSelector: options.namespaceSelector };
  return { kind: 'all' };
}

export function describeScope(scope: WatchScope): string {
  if (scope.kind === 'namespaces') return scope.namespaces.join(',');
  if (scope.kind === 'selector') return `namespaces labelled ${scope.labelSelector}`;
  return '(all)';
}

/** The informers of one resource over a scope, read as one cache. */
export class ScopedInformer<T extends k8s.KubernetesObject> {
  readonly #byNamespace: Map<string | undefined, ResilientInformer<T>>;
  readonly #admits: (namespace: string) => boolean;

  /**
   * `make(namespace)` builds the informer of one namespace, or the cluster-wide one when namespace
   * is undefined; `admits` filters a cluster-wide informer's objects (the selector's namespaces).
   */
  constructor(
    scope: WatchScope,
    make: (namespace: string | undefined) => ResilientInformer<T>,
    admits: (namespace: string) => boolean = () => true,
  ) {
    const namespaces = scope.kind === 'namespaces' ? scope.namespaces : [undefined];
    this.#byNamespace = new Map(namespaces.map((namespace) => [namespace, make(namespace)]));
    this.#admits = scope.kind === 'selector' ? admits : () => true;
  }

  get(name: string, namespace?: string): T | undefined {
    if (namespace !== undefined && !this.#admits(namespace)) return undefined;
    const informer = this.#byNamespace.get(namespace) ?? this.#byNamespace.get(undefined);
    return informer?.get(name, namespace);
  }

  list(namespace?: string): readonly T[] {
    if (namespace !== undefined) {
      if (!this.#admits(namespace)) return [];
      const informer = this.#byNamespace.get(namespace) ?? this.#byNamespace.get(undefined);
      return informer?.list(namespace) ?? [];
    }
    return [...this.#byNamespace.values()]
      .flatMap((informer) => informer.list())
      .filter((object) => this.#admits(object.metadata?.namespace ?? ''));
  }

  async start(): Promise<void> {
    await Promise.all([...this.#byNamespace.values()].map((informer) => informer.start()));
  }

  async stop(): Promise<void> {
    await Promise.all([...this.#byNamespace.values()].map((informer) => informer.stop()));
  }
}
