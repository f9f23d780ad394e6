import { defineConfig } from 'vitest/config';

const exclude = ['node_modules/**', '.cache/**', 'tools/**', '**/*.e2e.test.ts'];

/**
 * Files that start a kube-controller-manager: its controllers act on every namespace (a Job
 * controller would start pods for another file's Jobs), so these run one at a time after the rest.
 * testenv/fixtures.ts's startControllerManager refuses to run outside this list.
 */
const clusterControllerFiles = [
  'operator/trainingrun/search.int.test.ts',
  'operator/user-roles.int.test.ts',
  'testenv/pod-runner.int.test.ts',
  'testenv/pod-security.int.test.ts',
];

// Three projects, run by `vitest run` (`npm test` runs them, then `npm run e2e` and `npm run e2e:node`):
//   unit                 *.test.ts, no servers
//   integration          *.int.test.ts, against real servers that testenv/global-setup.ts starts once
//                        per run (the first run on a machine also builds them: see testenv/README.md)
//   cluster-controllers  the integration files above, one at a time, after the others
export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // The global setup may spend minutes building on a fresh machine; stopping takes seconds.
    teardownTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['**/*.test.ts'],
          exclude: [...exclude, '**/*.int.test.ts'],
          // Integration files mostly wait on servers and pods: three at once keep two cores busy.
          maxWorkers: 3,
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['**/*.int.test.ts'],
          exclude: [...exclude, ...clusterControllerFiles],
          globalSetup: ['testenv/global-setup.ts'],
          maxWorkers: 3,
        },
      },
      {
        extends: true,
        test: {
          name: 'cluster-controllers',
          include: clusterControllerFiles,
          globalSetup: ['testenv/global-setup.ts'],
          env: { MOVIE_RECO_TEST_CLUSTER_CONTROLLERS: 'alone' },
          maxWorkers: 1,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
