import { defineConfig } from 'vitest/config';

const exclude = ['node_modules/**', '.cache/**', 'tools/**', '**/*.e2e.test.ts'];

// Two projects, run by `vitest run` (`npm test` runs them, then `npm run e2e`: vitest.e2e.config.ts):
//   unit         *.test.ts, no servers
//   integration  *.int.test.ts, against real servers that testenv/global-setup.ts starts once per
//                run (the first run on a machine also builds them: see testenv/README.md)
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
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['**/*.int.test.ts'],
          exclude,
          globalSetup: ['testenv/global-setup.ts'],
        },
      },
    ],
  },
});
