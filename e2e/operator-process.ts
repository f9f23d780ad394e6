/** The operator as it runs in its pod: `movie-reco operator`, a separate process the drills can kill. */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { waitFor } from '../testenv/poll.ts';
import { freePort, loopback } from '../testenv/ports.ts';

const repo = join(import.meta.dirname, '..');

export interface OperatorOptions {
  readonly kubeconfig: string;
  readonly namespace: string;
  readonly image: string;
  readonly databaseUrl: string;
  readonly logFile: string;
  readonly ratingsPollSeconds?: number;
  readonly leaseDurationSeconds?: number;
}

export interface OperatorProcess {
  readonly metricsAddress: string;
  /** Times the process exited on its own (lost leadership, a crash) and was started again. */
  readonly restarts: number;
  /** SIGKILL, not restarted: the drills' "the node died". */
  kill(): Promise<void>;
  /** SIGTERM and wait: the graceful stop. */
  stop(): Promise<void>;
}

/**
 * Starts the operator and, like the kubelet under its Deployment, starts it again whenever it
 * exits on its own: it exits by design when it loses its lease, for example to an API server outage.
 */
export async function startOperator(options: OperatorOptions): Promise<OperatorProcess> {
  const port = await freePort();
  const metricsAddress = `${loopback}:${port}`;
  const args = [
    join(repo, 'bin/movie-reco.js'),
    'operator',
    '--kubeconfig',
    options.kubeconfig,
    '--namespace',
    options.namespace,
    '--trainer-image',
    options.image,
    '--database',
    options.databaseUrl,
    '--probe-host',
    loopback,
    '--probe-port',
    String(port),
    '--lease-namespace',
    options.namespace,
    '--lease-duration',
    String(options.leaseDurationSeconds ?? 15),
    '--ratings-poll-seconds',
    String(options.ratingsPollSeconds ?? 60),
  ];
  let wanted = true;
  let restarts = 0;
  let child: ChildProcess;
  let exited: Promise<void>;
  const launch = () => {
    const log = openSync(options.logFile, 'a');
    try {
      child = spawn(process.execPath, args, {
        stdio: ['ignore', log, log],
        env: { ...process.env, NODE_OPTIONS: '--max-semi-space-size=2' },
      });
    } finally {
      closeSync(log);
    }
    const current = child;
    exited = new Promise<void>((resolve) => current.on('exit', () => resolve()));
    void exited.then(async () => {
      if (!wanted || current !== child) return;
      await sleep(1000);
      if (!wanted) return;
      restarts++;
      launch();
    });
  };
  launch();
  await waitFor(`the operator healthy (its log: ${options.logFile})`, async () => {
    const health = await fetch(`http://${metricsAddress}/healthz`);
    return health.ok;
  });
  const end = async (signal: NodeJS.Signals) => {
    wanted = false;
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  return {
    metricsAddress,
    get restarts() {
      return restarts;
    },
    kill: () => end('SIGKILL'),
    stop: () => end('SIGTERM'),
  };
}
