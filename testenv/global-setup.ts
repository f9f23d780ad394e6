/**
 * vitest global setup of the integration projects: starts the test environment once per run,
 * hands its coordinates to the test workers as MOVIE_RECO_TEST_* variables, stops it at the end.
 * The first run on a machine builds the Go binaries (see testenv/README.md).
 *
 * A shell that ran eval "$(npm run -s testenv -- env)" uses the environment of `testenv up`
 * instead: nothing is started or stopped, so a rerun of one file takes seconds.
 */
import { isAlive, readState } from './background.ts';
import { startTestEnvironment, type TestEnvironment } from './environment.ts';

/** Each project loads this file on its own; the projects of one run share one environment. */
interface SharedEnvironment {
  projects: number;
  started: Promise<TestEnvironment>;
}
const run = globalThis as { movieRecoTestEnvironment?: SharedEnvironment };

function runningByHand(): boolean {
  const state = readState();
  return !!state && isAlive(state.supervisorPid) && process.env.MOVIE_RECO_TEST_ENV_DIR === state.dir;
}

export async function setup(): Promise<void> {
  if (runningByHand()) return;
  run.movieRecoTestEnvironment ??= { projects: 0, started: startTestEnvironment() };
  run.movieRecoTestEnvironment.projects += 1;
  const environment = await run.movieRecoTestEnvironment.started;
  // Workers are started after global setup and inherit this environment.
  Object.assign(process.env, environment.env);
}

export async function teardown(): Promise<void> {
  const shared = run.movieRecoTestEnvironment;
  if (!shared || --shared.projects > 0) return;
  run.movieRecoTestEnvironment = undefined;
  await (await shared.started).stop();
}
