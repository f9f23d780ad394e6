import { defineConfig } from 'vitest/config';

// `npm run e2e:node`: the product installed with Helm on a real node (testenv/node: containerd,
// kubelet, kube-proxy, CoreDNS) on a control plane of its own; no global setup.
export default defineConfig({
  test: {
    name: 'e2e-node',
    include: ['e2e/on-node/**/*.e2e.test.ts'],
    fileParallelism: false,
    testTimeout: 600_000,
    hookTimeout: 1_800_000,
    teardownTimeout: 180_000,
    reporters: ['verbose'],
  },
});
