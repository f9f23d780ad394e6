/**
 * The servers and CLIs built from Go source: each one a package of a pinned module in tools/<dir>,
 * whose go.mod and go.sum are the single source of its version.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { toolsDir } from './paths.ts';

/** The node's programs (testenv/node), built only when a node starts. */
export type NodeGoToolName = 'kubelet' | 'kube-proxy' | 'kube-scheduler' | 'coredns';
export const nodeGoTools: readonly NodeGoToolName[] = ['kubelet', 'kube-proxy', 'kube-scheduler', 'coredns'];
export type GoToolName = 'etcd' | 'kube-apiserver' | 'kube-controller-manager' | 'minio' | 'helm' | NodeGoToolName;

export interface GoTool {
  readonly name: GoToolName;
  /** Folder under tools/ holding the module that pins it. */
  readonly moduleDir: string;
  /** The required module whose version names the build. */
  readonly pinnedModule: string;
  readonly packagePath: string;
  /** Environment variable that points at a binary of one's own instead. */
  readonly overrideVar: string;
  /** Also looked for in KUBEBUILDER_ASSETS (setup-envtest's layout). */
  readonly inKubebuilderAssets: boolean;
}

/** Built from the same pinned module as the API server. */
function kubeNodeTool(name: Exclude<NodeGoToolName, 'coredns'>, overrideVar: string): GoTool {
  const packagePath = `k8s.io/kubernetes/cmd/${name}`;
  return {
    name,
    moduleDir: 'kube',
    pinnedModule: 'k8s.io/kubernetes',
    packagePath,
    overrideVar,
    inKubebuilderAssets: false,
  };
}

export const goTools: Record<GoToolName, GoTool> = {
  etcd: {
    name: 'etcd',
    moduleDir: 'etcd',
    pinnedModule: 'go.etcd.io/etcd/server/v3',
    packagePath: 'go.etcd.io/etcd/server/v3',
    overrideVar: 'ETCD_BIN',
    inKubebuilderAssets: true,
  },
  'kube-apiserver': {
    name: 'kube-apiserver',
    moduleDir: 'kube',
    pinnedModule: 'k8s.io/kubernetes',
    packagePath: 'k8s.io/kubernetes/cmd/kube-apiserver',
    overrideVar: 'KUBE_APISERVER_BIN',
    inKubebuilderAssets: true,
  },
  'kube-controller-manager': {
    name: 'kube-controller-manager',
    moduleDir: 'kube',
    pinnedModule: 'k8s.io/kubernetes',
    packagePath: 'k8s.io/kubernetes/cmd/kube-controller-manager',
    overrideVar: 'KUBE_CONTROLLER_MANAGER_BIN',
    inKubebuilderAssets: false,
  },
  minio: {
    name: 'minio',
    moduleDir: 'minio',
    pinnedModule: 'github.com/minio/minio',
    packagePath: 'github.com/minio/minio',
    overrideVar: 'MINIO_BIN',
    inKubebuilderAssets: false,
  },
  helm: {
    name: 'helm',
    moduleDir: 'helm',
    pinnedModule: 'helm.sh/helm/v3',
    packagePath: 'helm.sh/helm/v3/cmd/helm',
    overrideVar: 'HELM_BIN',
    inKubebuilderAssets: false,
  },
  kubelet: kubeNodeTool('kubelet', 'KUBELET_BIN'),
  'kube-proxy': kubeNodeTool('kube-proxy', 'KUBE_PROXY_BIN'),
  'kube-scheduler': kubeNodeTool('kube-scheduler', 'KUBE_SCHEDULER_BIN'),
  // The cluster DNS of the test node: tools/coredns/main.go links only the plugins it uses.
  coredns: {
    name: 'coredns',
    moduleDir: 'coredns',
    pinnedModule: 'github.com/coredns/coredns',
    packagePath: 'movie-reco/tools/coredns',
    overrideVar: 'COREDNS_BIN',
    inKubebuilderAssets: false,
  },
};

export function moduleDirOf(tool: GoTool): string {
  return join(toolsDir, tool.moduleDir);
}

/** The version `require`d for `module` in a go.mod text (single-line or block form). */
export function requiredVersion(goMod: string, module: string): string {
  const escaped = module.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  const match = new RegExp(`^\\s*(?:require\\s+)?${escaped}\\s+(v\\S+)`, 'm').exec(goMod);
  if (!match?.[1]) throw new Error(`go.mod does not require ${module}`);
  return match[1];
}

export function pinnedVersion(tool: GoTool): string {
  return requiredVersion(readFileSync(join(moduleDirOf(tool), 'go.mod'), 'utf8'), tool.pinnedModule);
}

/**
 * Kubernetes stamps its version at link time (hack/lib/version.sh); without it the binaries
 * report v0.0.0-master, which clients that compare versions misread.
 */
export function linkerFlags(tool: GoTool, version: string): string {
  const flags = ['-s', '-w'];
  if (tool.pinnedModule === 'k8s.io/kubernetes') {
    const [major, minor] = version.replace(/^v/, '').split('.');
    for (const pkg of ['k8s.io/component-base/version', 'k8s.io/client-go/pkg/version']) {
      flags.push(`-X ${pkg}.gitVersion=${version}`, `-X ${pkg}.gitMajor=${major}`, `-X ${pkg}.gitMinor=${minor}`);
      flags.push(`-X ${pkg}.gitTreeState=clean`);
    }
  }
  return flags.join(' ');
}

/** The build environment: the checked-in go.sum as is, no workspace, static binaries. */
export function buildEnv(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return {
    ...base,
    GOWORK: 'off',
    GOFLAGS: '-mod=readonly -trimpath -buildvcs=false',
    CGO_ENABLED: base.CGO_ENABLED ?? '0',
  };
}
