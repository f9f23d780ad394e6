/**
 * npm run bench:first-paint [-- VISITS]: the web page's first-contentful-paint on loopback, in
 * Debian's chromium (npm run testenv -- install), served by the real service over the demo history
 * (inference/testing/demo-history.ts). Each of VISITS (default 5) first visits has a fresh browser
 * context: empty cache, new connection. Writes bench/results/first-paint-<date>.json.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { saveBenchResult } from '../../bench/save-result.ts';
import { createLogger } from '../../common/log.ts';
import { requireProgram } from '../../testenv/debian-packages.ts';
import { startService } from '../service.ts';
import { createDemoHistory, demoServeConfig } from '../testing/demo-history.ts';
import { buildWebPage } from '../web/build.ts';

const visits = Number(process.argv[2] ?? 5);
const executablePath = requireProgram('chromium', 'chromium');
await buildWebPage();
const dir = await mkdtemp(join(tmpdir(), 'first-paint-'));
try {
  const history = await createDemoHistory(dir);
  const service = await startService(demoServeConfig(history), createLogger({}, { write: () => {} }));
  const browser = await chromium.launch({ executablePath, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
  try {
    const samples: { firstContentfulPaintMs: number; documentReceivedMs: number }[] = [];
    for (let visit = 0; visit < visits; visit++) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const page = await context.newPage();
      await page.goto(`http://127.0.0.1:${service.port}/`);
      await page.waitForFunction(() => performance.getEntriesByName('first-contentful-paint').length > 0);
      samples.push({
        firstContentfulPaintMs: await page.evaluate<number>(
          "performance.getEntriesByName('first-contentful-paint')[0].startTime",
        ),
        documentReceivedMs: await page.evaluate<number>("performance.getEntriesByType('navigation')[0].responseEnd"),
      });
      await context.close();
    }
    const paints = samples.map((sample) => sample.firstContentfulPaintMs).sort((a, b) => a - b);
    const result = {
      date: new Date().toISOString(),
      node: process.version,
      chromium: browser.version(),
      cpus: cpus().length,
      visits,
      firstContentfulPaintMs: { min: paints[0], median: paints[paints.length >> 1], max: paints.at(-1) },
      samples,
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    await saveBenchResult('first-paint', result);
  } finally {
    await browser.close();
    await service.stop();
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
