/**
 * A client that keeps calling the inference Service: through its ClusterIP where kube-proxy runs,
 * or the way traffic through kube-proxy would, each request to one of the Service's ready
 * endpoints (its selected, ready pods), re-read every quarter second.
 * Counts every answer by status and by the model run that gave it, and keeps every failure.
 */
import type * as k8s from '@kubernetes/client-node';
import { setTimeout as sleep } from 'node:timers/promises';
import { readyEndpoints } from '../testenv/pod-runner.ts';

export interface LoadReport {
  readonly requests: number;
  readonly ok: number;
  readonly failures: readonly string[];
  readonly byRun: Readonly<Record<string, number>>;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly seconds: number;
}

export interface LoadGenerator {
  /** Stops sending, waits for the requests in flight, and reports. */
  stop(): Promise<LoadReport>;
  /** Requests answered so far, by model run. */
  byRun(): Readonly<Record<string, number>>;
}

export interface LoadOptions {
  readonly kc: k8s.KubeConfig;
  readonly namespace: string;
  readonly service: string;
  readonly userIds: readonly number[];
  readonly authorization: string;
  readonly concurrency?: number;
  /** One address for every request (a Service's ClusterIP, balanced by kube-proxy) instead of its endpoints. */
  readonly address?: string;
}

export function startLoad(options: LoadOptions): LoadGenerator {
  let endpoints: string[] = [];
  let running = true;
  const latencies: number[] = [];
  const failures: string[] = [];
  const byRun: Record<string, number> = {};
  let requests = 0;
  let ok = 0;
  const started = Date.now();

  const refresh = (async () => {
    if (options.address) endpoints = [options.address];
    while (running && !options.address) {
      try {
        endpoints = await readyEndpoints(options.kc, options.namespace, options.service);
      } catch {
        // Keep the last known endpoints, as kube-proxy keeps its rules when the API server is away.
      }
      await sleep(250);
    }
  })();

  let next = 0;
  const worker = async () => {
    while (running) {
      if (endpoints.length === 0) {
        await sleep(50);
        continue;
      }
      const endpoint = endpoints[next++ % endpoints.length]!;
      const userId = options.userIds[next % options.userIds.length]!;
      const begin = performance.now();
      requests++;
      try {
        const response = await fetch(`http://${endpoint}/v1/recommendations?userId=${userId}&n=10`, {
          headers: { authorization: options.authorization },
        });
        const body = (await response.json()) as { model?: { run?: string } };
        latencies.push(performance.now() - begin);
        if (response.status !== 200) {
          failures.push(`${endpoint} user ${userId}: HTTP ${response.status} ${JSON.stringify(body)}`);
          continue;
        }
        ok++;
        const run = body.model?.run ?? 'unknown';
        byRun[run] = (byRun[run] ?? 0) + 1;
      } catch (error) {
        failures.push(
          `${endpoint} user ${userId}: ${(error as Error).message} ${String((error as Error).cause ?? '')}`,
        );
      }
    }
  };
  const workers = Array.from({ length: options.concurrency ?? 4 }, worker);

  return {
    byRun: () => ({ ...byRun }),
    async stop() {
      running = false;
      await Promise.all([refresh, ...workers]);
      const sorted = latencies.sort((a, b) => a - b);
      const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
      return {
        requests,
        ok,
        failures,
        byRun: { ...byRun },
        p50Ms: at(0.5),
        p99Ms: at(0.99),
        seconds: (Date.now() - started) / 1000,
      };
    },
  };
}
