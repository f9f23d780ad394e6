/**
 * npm run bench:synthetic: time and memory to generate each synthetic preset (data/synthetic.ts),
 * each in a process of its own so that peak resident memory is the generator's alone. Writes
 * bench/results/synthetic-<date>.json.
 */
import { execFile } from 'node:child_process';
import { cpus } from 'node:os';
import { promisify } from 'node:util';
import { generateSynthetic, SYNTHETIC_PRESETS, type SyntheticPreset } from '../data/synthetic.ts';
import { saveBenchResult } from './save-result.ts';

const preset = process.argv[2] as SyntheticPreset | undefined;

if (preset) {
  // One case, in this process: its figures on stdout as JSON.
  const started = performance.now();
  const { ratings } = generateSynthetic(preset);
  const seconds = (performance.now() - started) / 1000;
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(`${JSON.stringify({ preset, ratings: ratings.length, seconds, peakRssMb })}\n`);
} else {
  const run = promisify(execFile);
  const cases = [];
  for (const name of Object.keys(SYNTHETIC_PRESETS)) {
    const { stdout } = await run(process.execPath, [import.meta.filename, name]);
    cases.push(JSON.parse(stdout) as Record<string, unknown>);
    process.stderr.write(`${stdout}`);
  }
  await saveBenchResult('synthetic', {
    date: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    cases,
  });
}
