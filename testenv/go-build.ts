/** Builds one Go tool from its pinned module into the binary cache (first run only). */
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../common/log.ts';
import { findOnPath } from './debian-packages.ts';
import { buildEnv, linkerFlags, moduleDirOf, type GoTool } from './go-tools.ts';
import { runManaged } from './processes.ts';

function goCommand(): string | undefined {
  return findOnPath('go') ?? (existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : undefined);
}

/** Builds `tool` at `version` to `dest`; written under a temporary name and renamed, so never half there. */
export async function buildGoTool(tool: GoTool, version: string, dest: string, log: Logger): Promise<void> {
  const go = goCommand();
  if (!go) {
    throw new Error(
      `${tool.name} ${version} is not in the cache and Go (1.26 or newer) is not installed to build it. ` +
        `Install Go, or set ${tool.overrideVar} to a ${tool.name} binary of your own.`,
    );
  }
  const binDir = join(dest, '..');
  mkdirSync(binDir, { recursive: true });
  const partial = `${dest}.partial-${process.pid}`;
  const logFile = `${dest}.build.log`;
  rmSync(logFile, { force: true });
  const started = Date.now();
  log.info('building (first run only; minutes on a small machine)', { tool: tool.name, version, log: logFile });
  const args = ['-n', '10', go, 'build', '-ldflags', linkerFlags(tool, version), '-o', partial, tool.packagePath];
  try {
    await runManaged(`go build ${tool.name}`, 'nice', args, {
      logFile,
      cwd: moduleDirOf(tool),
      env: buildEnv(),
      graceMs: 1000,
    });
    renameSync(partial, dest);
  } finally {
    rmSync(partial, { force: true });
  }
  log.info('built', { tool: tool.name, version, seconds: Math.round((Date.now() - started) / 1000) });
}
