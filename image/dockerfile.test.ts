import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../testenv/paths.ts';
import { imageConfig } from './oci.ts';
import { appSources, imageRuntime } from './spec.ts';

interface Instruction {
  readonly keyword: string;
  readonly args: string;
}

/** The instructions of the Dockerfile's last stage, continuation lines joined and comments dropped. */
function finalStage(dockerfile: string): Instruction[] {
  const joined = dockerfile
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('#'))
    .join('\n')
    .replace(/\\\n/g, ' ');
  const instructions = joined
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const [keyword = '', ...rest] = line.split(/\s+/);
      return { keyword: keyword.toUpperCase(), args: rest.join(' ') };
    });
  const lastFrom = instructions.findLastIndex((instruction) => instruction.keyword === 'FROM');
  return instructions.slice(lastFrom + 1);
}

const only = (stage: Instruction[], keyword: string) => stage.filter((i) => i.keyword === keyword).map((i) => i.args);

describe('the Dockerfile and the image npm run image builds', () => {
  const stage = finalStage(readFileSync(join(repoRoot, 'Dockerfile'), 'utf8'));
  const { config } = imageConfig({ ...imageRuntime, labels: {} }, [], new Date(0), 'amd64');

  it('run as the same user, entrypoint and working folder', () => {
    expect(only(stage, 'USER').at(-1)).toBe(config.User);
    expect(JSON.parse(only(stage, 'ENTRYPOINT').at(-1) ?? 'null')).toEqual(config.Entrypoint);
    expect(only(stage, 'WORKDIR').at(-1)).toBe(config.WorkingDir);
  });

  it('set the same environment (PATH comes from the base image in the Dockerfile)', () => {
    const dockerEnv = only(stage, 'ENV').flatMap((args) => args.split(/\s+/).filter(Boolean));
    expect(dockerEnv.length).toBeGreaterThan(0);
    const imageEnv = config.Env.filter((entry) => !entry.startsWith('PATH='));
    expect(imageEnv.sort()).toEqual(dockerEnv.sort());
  });

  it('copy the same sources from the build context into the working folder', () => {
    const copied = only(stage, 'COPY')
      .filter((args) => !args.startsWith('--from'))
      .map((args) => args.split(/\s+/)[0]);
    expect(copied.sort()).toEqual([...appSources].sort());
  });
});
