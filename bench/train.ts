/**
 * npm run bench:train [-- --quick]: accuracy, ranking quality, time and memory of the trainer on
 * every shared MovieLens dataset and on synthetic data of ml-1m and ml-20m size (80/20 random
 * split, seed 42). Each case runs in its own process. Prints a markdown table and writes
 * bench/results/train-<date>.json.
 */
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const quick = process.argv.includes('--quick');
const cases: [dataset: string, algorithm: string, factors?: string, epochs?: string][] = [
  ['ml-100k', 'blend'],
  ['ml-100k', 'svd'],
  ['ml-latest-small', 'blend'],
  ['ml-latest-small', 'svd'],
  ['synthetic-ml-1m', 'svd', '100', '20'],
  ['synthetic-ml-1m', 'svdpp', '100', '20'],
  ['synthetic-ml-1m', 'blend'],
  ...(quick
    ? []
    : ([
        ['synthetic-ml-20m', 'svd', '100', '20'],
        ['synthetic-ml-20m', 'blend'],
      ] as [string, string, string, string?][])),
];

const results: Record<string, unknown>[] = [];
for (const [dataset, algorithm, factors, epochs] of cases) {
  const args = [
    join(import.meta.dirname, 'train-case.ts'),
    dataset,
    algorithm,
    ...(factors ? [factors] : []),
    ...(epochs ? [epochs] : []),
  ];
  process.stderr.write(`bench: ${dataset} ${algorithm} ${factors ?? ''} ${epochs ?? ''}\n`);
  const { stdout } = await run(process.execPath, args, { maxBuffer: 1 << 26 });
  results.push(JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, unknown>);
}

const f = (value: unknown, digits = 4): string => (typeof value === 'number' ? value.toFixed(digits) : '');
type Case = Record<string, unknown>;
const columns: [title: string, cell: (r: Case) => string][] = [
  ['dataset', (r) => `${r.dataset}`],
  ['algorithm', (r) => `${r.algorithm}`],
  ['factors', (r) => `${r.factors}`],
  ['epochs', (r) => `${r.epochs}${r.earlyStopping ? ' (early stop)' : ''}`],
  ['RMSE', (r) => f(r.rmse)],
  ['MAE', (r) => f(r.mae)],
  ['P@10', (r) => f(r.precisionAt10)],
  ['NDCG@10', (r) => f(r.ndcgAt10)],
  ['pop P@10', (r) => f(r.popularityPrecisionAt10)],
  ['pop NDCG@10', (r) => f(r.popularityNdcgAt10)],
  ['fit s', (r) => f(r.fitSeconds, 2)],
  ['cpu s', (r) => f(r.fitCpuSeconds, 2)],
  ['ns/update', (r) => f(r.sgdNsPerUpdate, 0)],
  ['peak RSS MiB', (r) => ((r.maxRssBytes as number) / 2 ** 20).toFixed(0)],
];
const markdownRow = (cells: string[]) => `| ${cells.join(' | ')} |`;
const header = markdownRow(columns.map(([title]) => title));
const rule = `|${' --- |'.repeat(columns.length)}`;
const rows = results.map((r) => markdownRow(columns.map(([, cell]) => cell(r))));
const table = [header, rule, ...rows].join('\n');
process.stdout.write(`${table}\n`);
const dir = join(import.meta.dirname, 'results');
await mkdir(dir, { recursive: true });
const stamp = new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-');
await writeFile(
  join(dir, `train-${stamp}.json`),
  `${JSON.stringify({ node: process.version, cases: results }, null, 2)}\n`,
);
await writeFile(join(dir, 'train-latest.md'), `${table}\n`);
