/**
 * vitest global setup of the `integration` project: starts the test environment once per run,
 * hands its coordinates to the test workers as MOVIE_RECO_TEST_* variables, stops it at the end.
 * The first run on a machine builds the Go binaries (see testenv/README.md).
 *
 * A shell that ran eval "$(npm run -s testenv -- env)" uses the environment of `testenv up`
 * instead: nothing is started or stopped, so a rerun of one file takes seconds.
 */
import { isAlive, readState } from './background.ts';
import { startTestEnvironment, type TestEnvironment } from './environment.ts';

let environment: TestEnvironment | undefined;

function runningByHand(): boolean {
  const state = readState();
  return !!state && isAlive(state.supervisorPid) && process.env.MOVIE_RECO_TEST_ENV_DIR === state.dir;
}

export async function setup(): Promise<void> {
  if (runningByHand()) return;
  environment = await startTestEnvironment();
  // Workers are started after global setup and inherit this environment.
  Object.assign(process.env, environment.env);
}

export async function teardown(): Promise<void> {
  await environment?.stop();
  environment = undefined;
}
