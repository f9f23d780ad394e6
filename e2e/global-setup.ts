/**
 * vitest global setup of the end-to-end run (vitest.e2e.config.ts): its own test environment,
 * with kube-controller-manager, so that the real Job, Deployment, ReplicaSet, EndpointSlice and
 * garbage-collector controllers act on what the operator creates. A separate run from `vitest run`
 * so the drills that stop servers never disturb the integration tests.
 */
import { startTestEnvironment, type TestEnvironment } from '../testenv/environment.ts';

let environment: TestEnvironment | undefined;

export async function setup(): Promise<void> {
  environment = await startTestEnvironment({ controllerManager: true });
  Object.assign(process.env, environment.env);
}

export async function teardown(): Promise<void> {
  await environment?.stop();
  environment = undefined;
}
