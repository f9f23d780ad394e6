import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Writes a benchmark's result to bench/results/<name>-<date>.json and returns the path. */
export async function saveBenchResult(
  name: string,
  result: { date: string; [field: string]: unknown },
): Promise<string> {
  const dir = join(import.meta.dirname, 'results');
  await mkdir(dir, { recursive: true });
  const path = join(dir, `${name}-${result.date.slice(0, 19).replace(/[:T]/g, '-')}.json`);
  await writeFile(path, `${JSON.stringify(result, null, 2)}\n`);
  return path;
}
