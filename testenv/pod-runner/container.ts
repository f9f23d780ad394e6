/**
 * One container of a pod, run as a local process behind a leash (../leash.ts: it dies with the
 * runner however the runner ends): its environment, its command, its log file and termination
 * message, its probes, and its restarts under the pod's restartPolicy with exponential backoff.
 */
import { closeSync, mkdirSync, openSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { startManaged, type ManagedProcess } from '../processes.ts';
import { ContainerConfigError, containerEnv, expandReferences, type EnvSources } from './pod-env.ts';
import {
  tailOfLog,
  terminationMessage,
  timestamp,
  type ContainerState,
  type ContainerStatus,
  type RestartPolicy,
} from './pod-status.ts';
import { Prober, type ProbeKind } from './probes.ts';

/** The project's image: ENTRYPOINT ["movie-reco"], a link to /app/bin/movie-reco.js; node 24 on PATH. */
const imageEntrypoint = ['movie-reco'];
const movieRecoNames = new Set([
  'movie-reco',
  '/usr/local/bin/movie-reco',
  '/app/bin/movie-reco.js',
  'bin/movie-reco.js',
]);
const nodeNames = new Set(['node', '/usr/local/bin/node']);

export interface ContainerSettings {
  readonly repoRoot: string;
  /** Node 24 (node_modules/node/bin/node): the image's node. */
  readonly nodeBinary: string;
  /** SIGTERM, then SIGKILL after this long, when the container is stopped. */
  readonly graceMs: number;
  readonly restartBackoff: { readonly initialMs: number; readonly maxMs: number };
  readonly maxProbePeriodSeconds?: number;
}

export interface ContainerContext {
  readonly pod: V1Pod;
  readonly container: V1Container;
  readonly podIP: string;
  readonly hostIP: string;
  /** Holds this container's log and termination message, and the pod's HOME and TMPDIR. */
  readonly podDir: string;
  readonly restartPolicy: RestartPolicy;
  readonly sources: EnvSources;
  readonly settings: ContainerSettings;
  onChange(): void;
  event(type: 'Normal' | 'Warning', reason: string, message: string): void;
}

/** The command line of the project's image, on this machine; a string says why it cannot run. */
export function localCommand(
  container: V1Container,
  env: Readonly<Record<string, string>>,
  settings: Pick<ContainerSettings, 'repoRoot' | 'nodeBinary'>,
): string[] | string {
  const argv = (
    container.command?.length
      ? [...container.command, ...(container.args ?? [])]
      : [...imageEntrypoint, ...(container.args ?? [])]
  ).map((arg) => expandReferences(arg, env));
  const [executable, ...args] = argv;
  if (executable && movieRecoNames.has(executable))
    return [settings.nodeBinary, join(settings.repoRoot, 'bin/movie-reco.js'), ...args];
  if (executable && nodeNames.has(executable)) return [settings.nodeBinary, ...args];
  return `exec: "${executable}": executable file not found in $PATH (the pod runner runs movie-reco and node only)`;
}

export class ContainerRunner {
  readonly logFile: string;
  readonly #ctx: ContainerContext;
  readonly #terminationFile: string;
  #state: ContainerState = { waiting: { reason: 'ContainerCreating' } };
  #lastState: ContainerState = {};
  #restartCount = 0;
  #backoffMs: number;
  #process: ManagedProcess | undefined;
  #probers: Partial<Record<ProbeKind, Prober>> = {};
  #run: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #terminating = false;

  constructor(ctx: ContainerContext) {
    this.#ctx = ctx;
    this.logFile = join(ctx.podDir, `${ctx.container.name}.log`);
    this.#terminationFile = join(ctx.podDir, `${ctx.container.name}.termination-log`);
    this.#backoffMs = ctx.settings.restartBackoff.initialMs;
    // The pod's HOME and TMPDIR (its working directory too: a missing one fails the spawn).
    for (const sub of ['home', 'tmp']) mkdirSync(join(ctx.podDir, sub), { recursive: true });
    closeSync(openSync(this.logFile, 'a'));
  }

  get name(): string {
    return this.#ctx.container.name;
  }

  start(): void {
    this.#run = this.#runOnce().catch((error: unknown) => {
      // The runner's own failure (a file it could not write, say): reported as the container's.
      const message = `pod runner: ${(error as Error).message}`;
      const now = timestamp();
      this.#ctx.event('Warning', 'Failed', message);
      this.#exited({ exitCode: 128, reason: 'StartError', message, startedAt: now, finishedAt: now });
    });
  }

  status(): ContainerStatus {
    const { container, pod } = this.#ctx;
    const running = this.#state.running !== undefined && !this.#terminating;
    const started = running && (this.#probers.startup?.result ?? true);
    const ready = started && (this.#probers.readiness?.result ?? true);
    return {
      name: container.name,
      image: container.image ?? '',
      imageID: container.image ?? '',
      ...(this.#state.waiting
        ? {}
        : { containerID: `pod-runner://${pod.metadata?.uid}/${container.name}/${this.#restartCount}` }),
      state: this.#state,
      lastState: this.#lastState,
      ready,
      started,
      restartCount: this.#restartCount,
    };
  }

  /** SIGTERM, SIGKILL after the grace period; no restart afterwards. Resolves once the process is gone. */
  async stop(): Promise<void> {
    if (this.#terminating) return this.#run;
    this.#terminating = true;
    clearTimeout(this.#timer);
    this.#stopProbers();
    this.#ctx.onChange();
    if (this.#process) {
      this.#ctx.event('Normal', 'Killing', `Stopping container ${this.name}`);
      await this.#process.stop();
    }
    await this.#run;
  }

  async #runOnce(): Promise<void> {
    const ctx = this.#ctx;
    let env: Record<string, string>;
    try {
      env = await this.#environment();
    } catch (error) {
      if (!(error instanceof ContainerConfigError)) throw error;
      // The kubelet keeps the container waiting and tries again (the Secret may be created later).
      this.#state = { waiting: { reason: 'CreateContainerConfigError', message: error.message } };
      ctx.event('Warning', 'Failed', `Error: ${error.message}`);
      ctx.onChange();
      this.#retryLater();
      return;
    }
    if (this.#terminating) return;
    const command = localCommand(ctx.container, env, ctx.settings);
    const startedAt = timestamp();
    if (typeof command === 'string') {
      ctx.event('Warning', 'Failed', `Error: ${command}`);
      return this.#exited({ exitCode: 128, reason: 'StartError', message: command, startedAt, finishedAt: startedAt });
    }
    writeFileSync(this.#terminationFile, '');
    const logOffset = statSync(this.logFile).size;
    const [executable, ...args] = command;
    const proc = startManaged(
      `${ctx.pod.metadata?.namespace}/${ctx.pod.metadata?.name}/${this.name}`,
      executable,
      args,
      {
        logFile: this.logFile,
        env,
        cwd: join(ctx.podDir, 'tmp'),
        graceMs: ctx.settings.graceMs,
        passExitStatus: true,
      },
    );
    this.#process = proc;
    const runStart = Date.now();
    this.#state = { running: { startedAt } };
    ctx.event('Normal', 'Started', `Started container ${this.name}`);
    this.#startProbers();
    ctx.onChange();
    // null: the leash itself was killed (it had to be SIGKILLed), so was its process group.
    const exitCode = (await proc.exited) ?? 137;
    this.#process = undefined;
    this.#stopProbers();
    if (Date.now() - runStart > 2 * ctx.settings.restartBackoff.maxMs)
      this.#backoffMs = ctx.settings.restartBackoff.initialMs;
    const log = () => tailOfLog(readFileSync(this.logFile).subarray(logOffset).toString('utf8'));
    const file = readFileSync(this.#terminationFile, 'utf8');
    const message = terminationMessage(file, log, ctx.container.terminationMessagePolicy, exitCode);
    return this.#exited({
      exitCode,
      ...(exitCode > 128 ? { signal: exitCode - 128 } : {}),
      reason: exitCode === 0 ? 'Completed' : 'Error',
      ...(message ? { message } : {}),
      startedAt,
      finishedAt: timestamp(),
    });
  }

  #exited(terminated: NonNullable<ContainerState['terminated']>): void {
    const { restartPolicy } = this.#ctx;
    const restart =
      !this.#terminating &&
      (restartPolicy === 'Always' || (restartPolicy === 'OnFailure' && terminated.exitCode !== 0));
    if (!restart) {
      this.#state = { terminated };
      this.#ctx.onChange();
      return;
    }
    this.#lastState = { terminated };
    this.#restartCount++;
    const delay = this.#backoffMs;
    this.#backoffMs = Math.min(this.#backoffMs * 2, this.#ctx.settings.restartBackoff.maxMs);
    const message =
      `back-off ${Math.round(delay / 1000)}s restarting failed ` +
      `container=${this.name} pod=${this.#ctx.pod.metadata?.name}`;
    this.#state = { waiting: { reason: 'CrashLoopBackOff', message } };
    this.#ctx.event('Warning', 'BackOff', `Back-off restarting failed container ${this.name}`);
    this.#ctx.onChange();
    this.#timer = setTimeout(() => this.start(), delay);
  }

  #retryLater(): void {
    const delay = this.#backoffMs;
    this.#backoffMs = Math.min(this.#backoffMs * 2, this.#ctx.settings.restartBackoff.maxMs);
    this.#timer = setTimeout(() => this.start(), delay);
  }

  /**
   * The image's environment, then the pod's,
   * then what a local process needs instead of its own network namespace and files.
   */
  async #environment(): Promise<Record<string, string>> {
    const { pod, container, podIP, hostIP, podDir, sources, settings } = this.#ctx;
    const tmp = join(podDir, 'tmp');
    const image: Record<string, string> = {
      // Node 24 first: the image's `node`; the machine's may be older.
      PATH: `${join(settings.nodeBinary, '..')}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
      NODE_ENV: 'production',
      MOVIE_RECO_CACHE: join(tmp, 'movie-reco'),
      HOSTNAME: pod.spec?.hostname ?? pod.metadata?.name ?? '',
      HOME: join(podDir, 'home'),
      // The project's pods mount an emptyDir at /tmp; this is the pod's own.
      TMPDIR: tmp,
    };
    const env = { ...image, ...(await containerEnv(pod, container, { podIP, hostIP }, sources)) };
    // The container's terminationMessagePath (/dev/termination-log) is not writable here: whatever
    // variable names it (the trainer's TERMINATION_MESSAGE_PATH) names this container's file instead.
    const terminationPath = container.terminationMessagePath ?? '/dev/termination-log';
    for (const [name, value] of Object.entries(env)) if (value === terminationPath) env[name] = this.#terminationFile;
    // A real pod has a network namespace of its own, where 0.0.0.0:8080 is that pod's alone. Here
    // every pod shares the machine's, so the inference server listens on its pod IP only: two
    // replicas can use the same port, and nothing listens beyond loopback.
    env.MOVIE_RECO_HOST = podIP;
    return env;
  }

  #startProbers(): void {
    const { container, podIP, settings } = this.#ctx;
    const make = (
      kind: ProbeKind,
      probe: NonNullable<V1Container['readinessProbe']>,
      onResult: (ok: boolean) => void,
    ) =>
      new Prober({
        kind,
        probe,
        ip: podIP,
        ports: container.ports ?? [],
        ...(settings.maxProbePeriodSeconds !== undefined ? { maxPeriodSeconds: settings.maxProbePeriodSeconds } : {}),
        onResult,
        onFailure: (message) => this.#ctx.event('Warning', 'Unhealthy', message),
      });
    const startAfterStartup = () => {
      this.#probers.readiness?.start();
      this.#probers.liveness?.start();
    };
    if (container.readinessProbe)
      this.#probers.readiness = make('readiness', container.readinessProbe, () => this.#ctx.onChange());
    if (container.livenessProbe)
      this.#probers.liveness = make('liveness', container.livenessProbe, (ok) => this.#unhealthy(ok, 'liveness'));
    if (container.startupProbe) {
      this.#probers.startup = make('startup', container.startupProbe, (ok) => {
        if (!ok) return this.#unhealthy(ok, 'startup');
        this.#ctx.onChange();
        startAfterStartup();
      });
      this.#probers.startup.start();
    } else startAfterStartup();
  }

  #unhealthy(ok: boolean, kind: ProbeKind): void {
    if (ok || !this.#process || this.#terminating) return;
    this.#ctx.event('Normal', 'Killing', `Container ${this.name} failed ${kind} probe, will be restarted`);
    void this.#process.stop();
  }

  #stopProbers(): void {
    for (const prober of Object.values(this.#probers)) prober.stop();
    this.#probers = {};
  }
}
