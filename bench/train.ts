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
const tableRow = (cells: unknown[]): string => `| ${cells.join(' | ')} |`;
const columns = ['dataset', 'algorithm', 'factors', 'epochs', 'RMSE', 'MAE', 'P@10', 'NDCG@10', 'pop P@10'];
const header = tableRow([...columns, 'pop NDCG@10', 'fit s', 'cpu s', 'ns/update', 'peak RSS MiB']);
const rule = `|${' --- |'.repeat(14)}`;
const rows = results.map((r) =>
  tableRow([
    r.dataset,
    r.algorithm,
    r.factors,
    `${r.epochs}${r.earlyStopping ? ' (early stop)' : ''}`,
    f(r.rmse),
    f(r.mae),
    f(r.precisionAt10),
    f(r.ndcgAt10),
    f(r.popularityPrecisionAt10),
    f(r.popularityNdcgAt10),
    f(r.fitSeconds, 2),
    f(r.fitCpuSeconds, 2),
    f(r.sgdNsPerUpdate, 0),
    ((r.maxRssBytes as number) / 2 ** 20).toFixed(0),
  ]),
);
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
