import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cachedGoToolPath, overriddenGoTool } from './binaries.ts';
import { goTools } from './go-tools.ts';

const dir = mkdtempSync(join(tmpdir(), 'binaries-test-'));
const executable = (name: string) => {
  const path = join(dir, name);
  writeFileSync(path, '#!/bin/sh\n');
  chmodSync(path, 0o755);
  return path;
};
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('binary overrides', () => {
  const apiserver = executable('kube-apiserver');
  const custom = executable('my-etcd');

  it('prefer the tool variable, then KUBEBUILDER_ASSETS', () => {
    expect(overriddenGoTool(goTools.etcd, { ETCD_BIN: custom, KUBEBUILDER_ASSETS: dir })).toEqual({
      path: custom,
      source: 'override',
    });
    expect(overriddenGoTool(goTools['kube-apiserver'], { KUBEBUILDER_ASSETS: dir })).toEqual({
      path: apiserver,
      source: 'kubebuilder-assets',
    });
  });

  it('look in KUBEBUILDER_ASSETS only for what setup-envtest puts there', () => {
    executable('minio');
    expect(overriddenGoTool(goTools.minio, { KUBEBUILDER_ASSETS: dir })).toBeUndefined();
    expect(overriddenGoTool(goTools.etcd, { KUBEBUILDER_ASSETS: dir })).toBeUndefined();
  });

  it('refuse an override that is not an executable file', () => {
    expect(() => overriddenGoTool(goTools.helm, { HELM_BIN: join(dir, 'missing') })).toThrow(
      /HELM_BIN points at .*missing/,
    );
  });
});

describe('the binary cache', () => {
  it('names binaries by tool and pinned version under MOVIE_RECO_CACHE', () => {
    expect(cachedGoToolPath(goTools['kube-apiserver'], { MOVIE_RECO_CACHE: '/c' })).toMatch(
      /^\/c\/bin\/kube-apiserver-v1\.\d+\.\d+$/,
    );
  });
});
