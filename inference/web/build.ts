/**
 * `npm run build:web`: bundles and minifies the page's TypeScript and CSS with esbuild into
 * inference/web/dist (index.html + assets/app-<hash>.js|css), which the service serves at `/`.
 * Runs at package time (`prepare`, the Dockerfile); the service never builds anything.
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const here = fileURLToPath(new URL('.', import.meta.url));
export const DEFAULT_OUT_DIR = join(here, 'dist');

export interface BuiltFile {
  path: string;
  bytes: number;
  gzipBytes: number;
}

/** Builds the page into `outDir`, replacing what was there; returns the files written. */
export async function buildWebPage(outDir = DEFAULT_OUT_DIR): Promise<BuiltFile[]> {
  const result = await build({
    entryPoints: { app: join(here, 'src', 'main.ts') },
    bundle: true,
    minify: true,
    format: 'esm',
    target: ['es2022', 'chrome110', 'firefox110', 'safari16'],
    entryNames: '[name]-[hash]',
    outdir: join(outDir, 'assets'),
    write: false,
    legalComments: 'none',
    charset: 'utf8',
    logLevel: 'warning',
  });
  const names = result.outputFiles.map((file) => basename(file.path));
  const js = names.find((name) => name.endsWith('.js'));
  const css = names.find((name) => name.endsWith('.css'));
  if (!js || !css) throw new Error(`esbuild wrote ${names.join(', ')}: expected one .js and one .css`);
  const template = await readFile(join(here, 'index.html'), 'utf8');
  const html = template.replaceAll('{{js}}', `assets/${js}`).replaceAll('{{css}}', `assets/${css}`);

  // Written beside, then swapped in: a service reading the folder meanwhile never sees it half-written.
  const staging = `${outDir}.${process.pid}.tmp`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(join(staging, 'assets'), { recursive: true });
  const files: { path: string; contents: Uint8Array }[] = [
    ...result.outputFiles.map((file) => ({
      path: join(outDir, 'assets', basename(file.path)),
      contents: file.contents,
    })),
    { path: join(outDir, 'index.html'), contents: Buffer.from(html) },
  ];
  for (const file of files) await writeFile(join(staging, relative(outDir, file.path)), file.contents);
  await rm(outDir, { recursive: true, force: true });
  await rename(staging, outDir);
  return files.map((file) => ({
    path: file.path,
    bytes: file.contents.length,
    gzipBytes: gzipSync(file.contents, { level: 9 }).length,
  }));
}

if (import.meta.main) {
  const files = await buildWebPage();
  const kB = (bytes: number) => `${(bytes / 1024).toFixed(1)} kB`;
  for (const file of files) {
    process.stdout.write(
      `${relative(process.cwd(), file.path).padEnd(48)} ${kB(file.bytes).padStart(9)}  (${kB(file.gzipBytes)} gzip)\n`,
    );
  }
}
