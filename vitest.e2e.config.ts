import { defineConfig } from 'vitest/config';

// `npm run e2e`: the end-to-end story and the reliability drills on a local control plane
// (testenv + kube-controller-manager), the project's pods run as local processes
// (testenv/pod-runner.ts). One file at a time: the story owns the machine's two cores.
export default defineConfig({
  test: {
    name: 'e2e',
    include: ['e2e/**/*.e2e.test.ts'],
    // The story on a real node has its own command: npm run e2e:node.
    exclude: ['e2e/on-node/**'],
    globalSetup: ['e2e/global-setup.ts'],
    fileParallelism: false,
    testTimeout: 300_000,
    hookTimeout: 300_000,
    teardownTimeout: 60_000,
    reporters: ['verbose'],
  },
});
