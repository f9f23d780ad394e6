import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import autocannon from 'autocannon';
import { createLogger } from '../../common/log.ts';
import { Random } from '../../model/random.ts';
import { SERVICE_NODE_OPTIONS } from '../node-options.ts';
import { BENCH_MODEL_PREFIX, ensureBenchModel } from './bench-model.ts';

/**
 * npm run bench:serve: the service on an ml-20m-shaped model (trained as production trains) against
 * a Koa hello-world route, each in its own process, driven by autocannon on loopback, each endpoint
 * in rounds alternating with the hello-world route. BENCH_SECONDS (default 8) per row, BENCH_CONNECTIONS (default 10),
 * BENCH_ONLY (a substring of the endpoint names to run only those), BENCH_PIN=0 (no core pinning,
 * see pinCores), BENCH_SERVICE_NODE_FLAGS (Node flags for the service process after the inference
 * pods' own, SERVICE_NODE_OPTIONS, e.g. `--max-semi-space-size=0` for V8's default or `--trace-gc`)
 * and BENCH_SERVICE_STDOUT (a file for its stdout). The user routes are measured again on a second
 * service with a shadow challenger (the same artifact loaded twice), against the one-model service
 * in alternating rounds: the CPU ratio is the cost of shadowing (issue 25's bar: at most 2x).
 */
const here = import.meta.dirname;
const seconds = Number(process.env.BENCH_SECONDS ?? 8);
const ROUNDS = 4;
const connections = Number(process.env.BENCH_CONNECTIONS ?? 10);
const modelFolder = resolve(here, '../../.cache/bench-serve');
const log = createLogger({ component: 'bench-serve' });
/** The service runs with the inference pods' Node options; later flags win. */
const serviceNodeFlags = [
  ...SERVICE_NODE_OPTIONS.split(' '),
  ...(process.env.BENCH_SERVICE_NODE_FLAGS?.split(' ').filter(Boolean) ?? []),
];

const USERS = 138_493;
const MOVIES = 26_744;

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
    server.on('error', reject);
  });
}

async function waitReady(url: string, child: ChildProcess, timeoutMs = 180_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${url}: the process exited with ${child.exitCode}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} not ready after ${timeoutMs} ms`);
}

async function waitPrecomputed(url: string, child: ChildProcess, timeoutMs = 600_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${url}: the process exited with ${child.exitCode}`);
    const model = (await (await fetch(url)).json()) as { precomputedRecommendations?: { done?: boolean } };
    if (model.precomputedRecommendations?.done) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`${url}: recommendations not precomputed after ${timeoutMs} ms`);
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((done) => {
    if (child.exitCode !== null) return done();
    child.once('exit', () => done());
    child.kill('SIGTERM');
  });
}

interface Row {
  endpoint: string;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
  requests: number;
  /** The server process's CPU time (user, system) per request, from /proc; undefined elsewhere. */
  cpuMicros?: { user: number; system: number };
}

interface CpuTimes {
  user: number;
  system: number;
}

/** A process's CPU seconds so far (Linux /proc, USER_HZ = 100), or undefined where there is no /proc. */
function cpuTimes(pid: number | undefined): CpuTimes | undefined {
  if (pid === undefined) return undefined;
  try {
    // the command name (field 2) may hold spaces: count fields after its closing parenthesis
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { user: Number(fields[11]) / 100, system: Number(fields[12]) / 100 };
  } catch {
    return undefined;
  }
}

type RequestShape = { path: string; method?: 'GET' | 'POST'; body?: string };

async function drive(port: number, next: () => RequestShape, duration: number): Promise<autocannon.Result> {
  return autocannon({
    url: `http://127.0.0.1:${port}`,
    connections,
    duration,
    requests: [
      {
        setupRequest: (request: autocannon.Request) => {
          const shape = next();
          return {
            ...request,
            path: shape.path,
            method: shape.method ?? 'GET',
            ...(shape.body ? { body: shape.body, headers: { 'content-type': 'application/json' } } : {}),
          } as autocannon.Request;
        },
      },
    ],
  });
}

/** One round's result, with the CPU time the driven process spent in it. */
interface Round {
  result: autocannon.Result;
  cpu?: CpuTimes;
}

/** One round against one process. */
async function round(
  pid: number | undefined,
  port: number,
  next: () => RequestShape,
  duration: number,
): Promise<Round> {
  const before = cpuTimes(pid);
  const result = await drive(port, next, duration);
  const after = cpuTimes(pid);
  return {
    result,
    ...(before && after ? { cpu: { user: after.user - before.user, system: after.system - before.system } } : {}),
  };
}

/**
 * The shared machine's background load changes from second to second, so the endpoint and the
 * hello-world ceiling are driven in alternating short rounds and compared over the same span:
 * req/s over all rounds, the median round's p50, the worst round's p99.
 */
async function compare(
  endpoint: string,
  service: Target,
  hello: Target,
  next: () => RequestShape,
  baseline: { name: string; next: () => RequestShape } = {
    name: '  Koa hello world (ceiling, same rounds)',
    next: () => ({ path: '/hello' }),
  },
): Promise<[Row, Row]> {
  const helloRounds: Round[] = [];
  const measured: Round[] = [];
  await drive(service.port, next, 1); // warm-up: JIT and connections out of the figures
  await drive(hello.port, baseline.next, 1);
  for (let k = 0; k < ROUNDS; k++) {
    helloRounds.push(await round(hello.pid, hello.port, baseline.next, seconds / ROUNDS));
    measured.push(await round(service.pid, service.port, next, seconds / ROUNDS));
  }
  return [summarize(baseline.name, helloRounds), summarize(endpoint, measured)];
}

interface Target {
  port: number;
  pid: number | undefined;
}

function summarize(endpoint: string, rounds: Round[]): Row {
  const results = rounds.map((r) => r.result);
  const requests = results.reduce((sum, r) => sum + r.requests.total, 0);
  const elapsed = results.reduce((sum, r) => sum + r.duration, 0);
  const p50s = results.map((r) => r.latency.p50).sort((a, b) => a - b);
  const cpu = rounds.every((r) => r.cpu)
    ? {
        user: (1e6 * rounds.reduce((sum, r) => sum + r.cpu!.user, 0)) / requests,
        system: (1e6 * rounds.reduce((sum, r) => sum + r.cpu!.system, 0)) / requests,
      }
    : undefined;
  return {
    endpoint,
    requestsPerSecond: requests / elapsed,
    p50: p50s[Math.floor(p50s.length / 2)]!,
    p99: Math.max(...results.map((r) => r.latency.p99)),
    errors: results.reduce((sum, r) => sum + r.errors + r.timeouts + r.non2xx, 0),
    requests,
    ...(cpu ? { cpuMicros: cpu } : {}),
  };
}

/**
 * The load generator on core 0, the servers (every thread) on core 1, where the machine has two
 * cores and taskset. Unpinned, the two compared processes did not get the same share of the
 * machine: in an A/B run of two identical service processes the second started measured about 11
 * points above the first. Pinned (and with the round order rotated), 79.0% against 81.6%. Where
 * the scheduler put them unpinned was not observed. False where pinning is not possible; the
 * bench then runs unpinned.
 */
function pinCores(servers: (number | undefined)[]): boolean {
  if (availableParallelism() < 2) return false;
  try {
    for (const pid of servers)
      if (pid) execFileSync('taskset', ['-a', '-p', '-c', '1', String(pid)], { stdio: 'ignore' });
    execFileSync('taskset', ['-a', '-p', '-c', '0', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** The rows measured again with a shadow challenger: the user routes it answers beside the champion. */
const SHADOW_ROWS = [
  'GET /v1/recommendations n=10 (known users, precomputed) + shadow challenger',
  'GET /v1/recommendations n=20 (computed per request) + shadow challenger',
  'GET /v1/predict + shadow challenger',
];

const cpuRatio = (cpu: CpuTimes, baseline: CpuTimes) =>
  `${((cpu.user + cpu.system) / (baseline.user + baseline.system)).toFixed(2)}x`;

function startService(port: number, env: Record<string, string>): ChildProcess {
  return fork(resolve(here, 'serve-process.ts'), {
    env: {
      ...process.env,
      MOVIE_RECO_MODEL_URI: resolve(modelFolder, BENCH_MODEL_PREFIX),
      MOVIE_RECO_HOST: '127.0.0.1',
      MOVIE_RECO_PORT: String(port),
      MOVIE_RECO_DRAIN_SECONDS: '2',
      MOVIE_RECO_SHUTDOWN_DELAY_SECONDS: '0',
      ...env,
    },
    execArgv: [...process.execArgv, ...serviceNodeFlags],
    // Request logs are written as in production, to /dev/null.
    stdio: process.env.BENCH_SERVICE_STDOUT
      ? ['ignore', openSync(process.env.BENCH_SERVICE_STDOUT, 'w'), 'ignore', 'ipc']
      : 'ignore',
  });
}

/** The challenger serves once loaded and precomputed: movie_reco_challenger_info appears then. */
async function waitChallengerPrecomputed(url: string, child: ChildProcess, timeoutMs = 600_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${url}: the process exited with ${child.exitCode}`);
    if ((await (await fetch(url)).text()).includes('movie_reco_challenger_info{')) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`${url}: no challenger serving after ${timeoutMs} ms`);
}

async function main(): Promise<void> {
  await ensureBenchModel(modelFolder, log);
  const helloPort = await freePort();
  const hello = fork(resolve(here, 'hello-world.ts'), {
    env: { ...process.env, PORT: String(helloPort) },
    stdio: 'ignore',
  });
  const only = process.env.BENCH_ONLY;
  const shadowRows = !only || SHADOW_ROWS.some((name) => name.includes(only));
  const port = await freePort();
  const service = startService(port, {});
  // The same artifact again as a shadow challenger: the cost of a second model, not of a different one.
  const shadowPort = await freePort();
  const shadow = shadowRows
    ? startService(shadowPort, {
        MOVIE_RECO_CHALLENGER_URI: resolve(modelFolder, BENCH_MODEL_PREFIX),
        MOVIE_RECO_CHALLENGER_MODE: 'shadow',
      })
    : undefined;
  const rows: Row[] = [];
  let placement = 'unpinned';
  try {
    const started = performance.now();
    await waitReady(`http://127.0.0.1:${helloPort}/hello`, hello);
    await waitReady(`http://127.0.0.1:${port}/readyz`, service);
    // Steady state: the background precompute of every known user's list must not share the
    // measured rounds (it yields between requests, but still takes CPU from them).
    await waitPrecomputed(`http://127.0.0.1:${port}/v1/model`, service);
    if (shadow) {
      await waitReady(`http://127.0.0.1:${shadowPort}/readyz`, shadow);
      await waitPrecomputed(`http://127.0.0.1:${shadowPort}/v1/model`, shadow);
      await waitChallengerPrecomputed(`http://127.0.0.1:${shadowPort}/metrics`, shadow);
    }
    const pinned = process.env.BENCH_PIN !== '0' && pinCores([hello.pid, service.pid, shadow?.pid]);
    log.info('service ready (model loaded, recommendations precomputed)', {
      seconds: (performance.now() - started) / 1000,
      pinned,
    });
    placement = pinned ? 'load generator on core 0, servers on core 1' : 'unpinned';
    const random = new Random(7);
    const user = () => 1 + random.int(USERS);
    const movie = () => 1 + random.int(MOVIES);
    let fresh = 1;
    const endpoints: [string, () => RequestShape][] = [
      [
        'GET /v1/recommendations n=10 (known users, precomputed)',
        () => ({ path: `/v1/recommendations?userId=${user()}&n=10` }),
      ],
      // n=20 is not precomputed: each request for a new user runs the ranking (the path of a user who just rated).
      [
        'GET /v1/recommendations n=20 (computed per request)',
        () => ({ path: `/v1/recommendations?userId=${fresh++}&n=20` }),
      ],
      ['GET /v1/predict', () => ({ path: `/v1/predict?userId=${user()}&movieId=${movie()}` })],
      [
        'POST /v1/recommendations (visitor, 10 ratings)',
        () => ({
          path: '/v1/recommendations',
          method: 'POST',
          body: JSON.stringify({
            ratings: Array.from({ length: 10 }, () => ({
              movieId: 1 + random.int(3000),
              rating: 0.5 + random.int(10) / 2,
            })),
            n: 10,
          }),
        }),
      ],
      ['GET /v1/movies/:id/similar n=10', () => ({ path: `/v1/movies/${movie()}/similar?n=10` })],
    ];
    // BENCH_ONLY=predict runs only the endpoints whose name contains it.
    for (const [name, next] of endpoints) {
      if (only && !name.includes(only)) continue;
      rows.push(...(await compare(name, { port, pid: service.pid }, { port: helloPort, pid: hello.pid }, next)));
    }
    // The shadow rows: the same requests to a service answering with a shadow challenger beside the
    // champion, in rounds alternating with the one-model service (the baseline row above each).
    const shadowed = endpoints.filter(([name]) => SHADOW_ROWS.some((row) => row.startsWith(name)));
    for (const [name, next] of shadow ? shadowed : []) {
      const row = `${name} + shadow challenger`;
      if (only && !row.includes(only)) continue;
      rows.push(
        ...(await compare(row, { port: shadowPort, pid: shadow!.pid }, { port, pid: service.pid }, next, {
          name: `  ${name} (one model, same rounds)`,
          next,
        })),
      );
    }
  } finally {
    await Promise.all([stop(hello), stop(service), ...(shadow ? [stop(shadow)] : [])]);
  }

  const header = [
    'endpoint',
    'req/s',
    '% of hello',
    'p50 ms',
    'p99 ms',
    'errors',
    'requests',
    'server CPU µs/req (user+sys)',
    'CPU x baseline',
  ];
  const table = rows.map((r, k) => [
    r.endpoint,
    r.requestsPerSecond.toFixed(0),
    k % 2 === 1 ? `${((100 * r.requestsPerSecond) / rows[k - 1]!.requestsPerSecond).toFixed(0)}%` : '',
    r.p50.toFixed(1),
    r.p99.toFixed(1),
    String(r.errors),
    String(r.requests),
    r.cpuMicros ? `${r.cpuMicros.user.toFixed(0)}+${r.cpuMicros.system.toFixed(0)}` : '',
    k % 2 === 1 && r.cpuMicros && rows[k - 1]!.cpuMicros ? cpuRatio(r.cpuMicros, rows[k - 1]!.cpuMicros!) : '',
  ]);
  const widths = header.map((h, k) => Math.max(h.length, ...table.map((row) => row[k]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, k) => (k === 0 ? c.padEnd(widths[k]!) : c.padStart(widths[k]!))).join('  ');
  process.stdout.write(
    `serve bench: ${seconds} s per row in ${ROUNDS} alternating rounds, ${connections} connections, loopback, ` +
      `${placement}, service flags ${serviceNodeFlags.join(' ')}, ` +
      `model ${BENCH_MODEL_PREFIX} (138,493 users, 26,744 movies, 64 factors)\n`,
  );
  process.stdout.write(`${[line(header), ...table.map(line)].join('\n')}\n`);
}

await main();
