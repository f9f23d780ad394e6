import { describe, expect, it } from 'vitest';
import { baseRuntimeSpec, containerdConfig, containerdPaths } from './containerd.ts';

describe('containerd for the test node', () => {
  it('keeps everything it writes under its folder and runs without AppArmor, with OOM scores only raised', () => {
    const config = containerdConfig(containerdPaths('/t/ctd'), 'docker.io/library/pause:x', '/usr/lib/cni');
    for (const path of config.match(/"\/[^"]*"/g) ?? []) expect(path).toMatch(/^"\/(t\/ctd|usr\/lib\/cni)/);
    expect(config).toContain('root = "/t/ctd/root"');
    expect(config).toContain('address = "/t/ctd/containerd.sock"');
    expect(config).toContain('restrict_oom_score_adj = true');
    expect(config).toContain('disable_apparmor = true');
    expect(config).toContain('sandbox_image = "docker.io/library/pause:x"');
  });

  it('drops the rlimits of the default spec and keeps the rest', () => {
    const spec = {
      ociVersion: '1.0.2',
      process: { rlimits: [{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }], cwd: '/' },
    };
    expect(JSON.parse(baseRuntimeSpec(JSON.stringify(spec)))).toEqual({ ociVersion: '1.0.2', process: { cwd: '/' } });
  });
});
