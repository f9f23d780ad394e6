/**
 * Startup, readiness and liveness probes, run as the kubelet runs them: every periodSeconds after
 * initialDelaySeconds, a result flipping after successThreshold successes or failureThreshold
 * failures in a row. httpGet and tcpSocket go to the pod's own loopback address only; exec and
 * grpc probes are not supported (a Warning Event says so).
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect, isIP } from 'node:net';
import type { V1ContainerPort, V1Probe } from '@kubernetes/client-node';

export type ProbeKind = 'startup' | 'readiness' | 'liveness';

export interface ProbeOutcome {
  ok: boolean;
  /** What failed, for the Unhealthy Event. */
  message?: string;
  /** exec, grpc or a non-loopback host: the runner cannot run it. */
  unsupported?: boolean;
}

export function resolvePort(port: number | string | undefined, ports: readonly V1ContainerPort[]): number | undefined {
  if (typeof port === 'number') return port;
  if (port === undefined) return undefined;
  if (/^\d+$/.test(port)) return Number(port);
  return ports.find((p) => p.name === port)?.containerPort;
}

const isLoopback = (host: string) =>
  host === 'localhost' || (isIP(host) === 4 && host.startsWith('127.')) || host === '::1';

export async function runProbe(probe: V1Probe, ip: string, ports: readonly V1ContainerPort[]): Promise<ProbeOutcome> {
  const timeoutMs = (probe.timeoutSeconds ?? 1) * 1000;
  if (probe.httpGet) {
    const { path = '/', scheme = 'HTTP', httpHeaders = [] } = probe.httpGet;
    const host = probe.httpGet.host || ip;
    if (!isLoopback(host))
      return { ok: false, unsupported: true, message: `httpGet host ${host} is not a loopback address` };
    const port = resolvePort(probe.httpGet.port as number | string, ports);
    if (port === undefined)
      return { ok: false, message: `port ${String(probe.httpGet.port)} not found among the container's ports` };
    const headers = Object.fromEntries(httpHeaders.map((h) => [h.name, h.value]));
    const request = scheme === 'HTTPS' ? httpsRequest : httpRequest;
    return new Promise((resolve) => {
      const req = request(
        {
          host,
          port,
          path,
          method: 'GET',
          headers: { 'user-agent': 'kube-probe/movie-reco-pod-runner', ...headers },
          timeout: timeoutMs,
          rejectUnauthorized: false,
        },
        (res) => {
          res.resume();
          const status = res.statusCode ?? 0;
          resolve(
            status >= 200 && status < 400
              ? { ok: true }
              : { ok: false, message: `HTTP probe failed with statuscode: ${status}` },
          );
        },
      );
      req.on('timeout', () => req.destroy(new Error(`timeout after ${timeoutMs} ms`)));
      req.on('error', (error) =>
        resolve({ ok: false, message: `Get "${scheme.toLowerCase()}://${host}:${port}${path}": ${error.message}` }),
      );
      req.end();
    });
  }
  if (probe.tcpSocket) {
    const host = probe.tcpSocket.host || ip;
    if (!isLoopback(host))
      return { ok: false, unsupported: true, message: `tcpSocket host ${host} is not a loopback address` };
    const port = resolvePort(probe.tcpSocket.port as number | string, ports);
    if (port === undefined)
      return { ok: false, message: `port ${String(probe.tcpSocket.port)} not found among the container's ports` };
    return new Promise((resolve) => {
      const socket = connect({ host, port, timeout: timeoutMs });
      socket.on('connect', () => {
        socket.destroy();
        resolve({ ok: true });
      });
      socket.on('timeout', () => socket.destroy(new Error(`timeout after ${timeoutMs} ms`)));
      socket.on('error', (error) => resolve({ ok: false, message: `dial tcp ${host}:${port}: ${error.message}` }));
    });
  }
  return { ok: false, unsupported: true, message: 'only httpGet and tcpSocket probes are supported by the pod runner' };
}

export interface ProberOptions {
  kind: ProbeKind;
  probe: V1Probe;
  ip: string;
  ports: readonly V1ContainerPort[];
  /** Caps periodSeconds (tests that do not want to wait a full period). */
  maxPeriodSeconds?: number;
  onResult: (ok: boolean) => void;
  onFailure: (message: string, unsupported: boolean) => void;
}

export class Prober {
  readonly #options: ProberOptions;
  #result: boolean;
  #successes = 0;
  #failures = 0;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  #warnedUnsupported = false;

  constructor(options: ProberOptions) {
    this.#options = options;
    // A container is live until a liveness probe says otherwise; not ready, not started until a probe says so.
    this.#result = options.kind === 'liveness';
  }

  get result(): boolean {
    return this.#result;
  }

  start(): void {
    const { probe } = this.#options;
    this.#schedule((probe.initialDelaySeconds ?? 0) * 1000);
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  #schedule(delayMs: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => void this.#tick(), delayMs);
    this.#timer.unref();
  }

  async #tick(): Promise<void> {
    const { kind, probe, ip, ports, maxPeriodSeconds } = this.#options;
    const outcome = await runProbe(probe, ip, ports);
    if (this.#stopped) return;
    if (outcome.unsupported) {
      // Never ready or started; never killed for it.
      if (!this.#warnedUnsupported) this.#options.onFailure(`${kind} probe: ${outcome.message}`, true);
      this.#warnedUnsupported = true;
      return;
    }
    if (outcome.ok) {
      this.#successes++;
      this.#failures = 0;
      if (!this.#result && this.#successes >= (probe.successThreshold ?? 1)) this.#set(true);
    } else {
      this.#failures++;
      this.#successes = 0;
      // Once per run of failures: Events, not a log of every period.
      if (this.#failures === 1)
        this.#options.onFailure(`${kind[0]!.toUpperCase()}${kind.slice(1)} probe failed: ${outcome.message}`, false);
      const threshold = this.#failures >= (probe.failureThreshold ?? 3);
      // A startup probe that reaches its threshold fails the container as a liveness probe would.
      if (threshold && (this.#result || kind === 'startup')) {
        this.#set(false);
        if (kind === 'startup') return;
      }
    }
    // A startup probe ends with its first success.
    if (kind === 'startup' && this.#result) return;
    const period = Math.min(probe.periodSeconds ?? 10, maxPeriodSeconds ?? Infinity);
    this.#schedule(period * 1000);
  }

  #set(result: boolean): void {
    this.#result = result;
    this.#options.onResult(result);
  }
}
