/**
 * A container's environment as the kubelet builds it: `envFrom` (Secrets and ConfigMaps, with
 * their prefixes) first, then `env` in order, where a value may be literal (with `$(VAR)`
 * references to variables defined before it) or come from a Secret key, a ConfigMap key or a
 * field of the pod. What cannot be resolved is a CreateContainerConfigError, which the kubelet
 * retries until the Secret or ConfigMap appears.
 */
import type { V1Container, V1Pod } from '@kubernetes/client-node';

export class ContainerConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ContainerConfigError';
  }
}

/** Secrets (data decoded) and ConfigMaps of the pod's namespace; undefined when absent. */
export interface EnvSources {
  secret(namespace: string, name: string): Promise<Record<string, string> | undefined>;
  configMap(namespace: string, name: string): Promise<Record<string, string> | undefined>;
}

/** What the kubelet knows of its pod when it starts a container, besides the pod object. */
export interface PodFields {
  podIP: string;
  hostIP: string;
}

/**
 * Expands `$(NAME)` from `env`; `$$(NAME)` is the escape for a literal `$(NAME)`; a reference to
 * an undefined variable is left as it is (all as Kubernetes does for env values, command and args).
 */
export function expandReferences(value: string, env: Readonly<Record<string, string>>): string {
  return value.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (match, name: string | undefined) => {
    if (name === undefined) return '$';
    return Object.hasOwn(env, name) ? env[name]! : match;
  });
}

export async function containerEnv(
  pod: V1Pod,
  container: V1Container,
  fields: PodFields,
  sources: EnvSources,
): Promise<Record<string, string>> {
  const namespace = pod.metadata?.namespace ?? 'default';
  const secrets = new Map<string, Promise<Record<string, string> | undefined>>();
  const configMaps = new Map<string, Promise<Record<string, string> | undefined>>();
  // `name` is required by the API; the generated types leave it optional.
  const secret = (name = '') => secrets.get(name) ?? secrets.set(name, sources.secret(namespace, name)).get(name)!;
  const configMap = (name = '') =>
    configMaps.get(name) ?? configMaps.set(name, sources.configMap(namespace, name)).get(name)!;

  const env: Record<string, string> = {};
  for (const from of container.envFrom ?? []) {
    const prefix = from.prefix ?? '';
    if (from.secretRef) {
      const data = await secret(from.secretRef.name);
      if (!data && !from.secretRef.optional)
        throw new ContainerConfigError(`secret "${from.secretRef.name}" not found`);
      for (const [key, value] of Object.entries(data ?? {})) env[prefix + key] = value;
    } else if (from.configMapRef) {
      const data = await configMap(from.configMapRef.name);
      if (!data && !from.configMapRef.optional)
        throw new ContainerConfigError(`configmap "${from.configMapRef.name}" not found`);
      for (const [key, value] of Object.entries(data ?? {})) env[prefix + key] = value;
    }
  }
  for (const variable of container.env ?? []) {
    const source = variable.valueFrom;
    if (!source) {
      env[variable.name] = expandReferences(variable.value ?? '', env);
    } else if (source.secretKeyRef) {
      const { name = '', key, optional } = source.secretKeyRef;
      const data = await secret(name);
      if (data && Object.hasOwn(data, key)) env[variable.name] = data[key]!;
      else if (!optional)
        throw new ContainerConfigError(
          data ? `couldn't find key ${key} in Secret ${namespace}/${name}` : `secret "${name}" not found`,
        );
    } else if (source.configMapKeyRef) {
      const { name = '', key, optional } = source.configMapKeyRef;
      const data = await configMap(name);
      if (data && Object.hasOwn(data, key)) env[variable.name] = data[key]!;
      else if (!optional)
        throw new ContainerConfigError(
          data ? `couldn't find key ${key} in ConfigMap ${namespace}/${name}` : `configmap "${name}" not found`,
        );
    } else if (source.fieldRef) {
      env[variable.name] = podField(pod, source.fieldRef.fieldPath, fields);
    } else {
      throw new ContainerConfigError(
        `env ${variable.name}: only secretKeyRef, configMapKeyRef and fieldRef are supported by the pod runner`,
      );
    }
  }
  return env;
}

/** The downward API's fieldRef paths. */
export function podField(pod: V1Pod, path: string, fields: PodFields): string {
  const keyed = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
  if (keyed) {
    const map = keyed[1] === 'labels' ? pod.metadata?.labels : pod.metadata?.annotations;
    return map?.[keyed[2]!] ?? '';
  }
  switch (path) {
    case 'metadata.name':
      return pod.metadata?.name ?? '';
    case 'metadata.namespace':
      return pod.metadata?.namespace ?? '';
    case 'metadata.uid':
      return pod.metadata?.uid ?? '';
    case 'spec.nodeName':
      return pod.spec?.nodeName ?? '';
    case 'spec.serviceAccountName':
      return pod.spec?.serviceAccountName ?? '';
    case 'status.podIP':
    case 'status.podIPs':
      return fields.podIP;
    case 'status.hostIP':
    case 'status.hostIPs':
      return fields.hostIP;
    default:
      throw new ContainerConfigError(`fieldRef ${path} is not supported by the pod runner`);
  }
}
