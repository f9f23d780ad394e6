import { describe, expect, it } from 'vitest';
import { goTools, linkerFlags, pinnedVersion, requiredVersion } from './go-tools.ts';

describe('requiredVersion', () => {
  it('reads single-line and block requires', () => {
    expect(requiredVersion('module m\n\nrequire k8s.io/kubernetes v1.36.3\n', 'k8s.io/kubernetes')).toBe('v1.36.3');
    const block =
      'require (\n\tgithub.com/minio/minio v0.0.0-20260212201848-7aac2a2c5b7c\n' +
      '\tgo.etcd.io/bbolt v1.4.3 // indirect\n)\n';
    expect(requiredVersion(block, 'github.com/minio/minio')).toBe('v0.0.0-20260212201848-7aac2a2c5b7c');
  });

  it('does not take a module for one whose path it prefixes', () => {
    expect(() => requiredVersion('require helm.sh/helm/v3x v1.0.0\n', 'helm.sh/helm/v3')).toThrow(/does not require/);
  });
});

describe('the pinned tools', () => {
  it('pin every tool in its checked-in go.mod', () => {
    for (const tool of Object.values(goTools)) expect(pinnedVersion(tool)).toMatch(/^v\d+\.\d+\.\d+/);
  });

  it('stamp the Kubernetes version into kube binaries only', () => {
    const flags = linkerFlags(goTools['kube-apiserver'], 'v1.36.3');
    expect(flags).toContain('-X k8s.io/component-base/version.gitVersion=v1.36.3');
    expect(flags).toContain('-X k8s.io/component-base/version.gitMinor=36');
    expect(linkerFlags(goTools.minio, 'v0.0.0-x')).toBe('-s -w');
  });
});
