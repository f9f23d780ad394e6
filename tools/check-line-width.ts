/**
 * `npm run lint`'s second half: no line of a tracked source file is wider than 120 characters
 * (Biome's formatter wraps code to that width but leaves long strings and comments alone).
 * Generated files are exempt: their generator owns the layout.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const MAX_WIDTH = 120;
const checked = /\.(ts|js|mjs|css|sh|yaml|yml|tpl)$/;
const generated = /\.generated\.|^charts\/.*\/crds\/|^deploy\/crds\//;

const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { encoding: 'utf8' })
  .split('\n')
  .filter((file) => checked.test(file) && !generated.test(file));

const wide: string[] = [];
for (const file of files) {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    continue; // deleted in the working tree
  }
  text.split('\n').forEach((line, index) => {
    if (line.length > MAX_WIDTH) wide.push(`${file}:${index + 1}: ${line.length} characters`);
  });
}
if (wide.length > 0) {
  process.stderr.write(`${wide.join('\n')}\n${wide.length} lines over ${MAX_WIDTH} characters\n`);
  process.exit(1);
}
process.stdout.write(`${files.length} files, no line over ${MAX_WIDTH} characters\n`);
