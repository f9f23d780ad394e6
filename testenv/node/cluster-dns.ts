/**
 * The node's cluster DNS: CoreDNS (tools/coredns) with its kubernetes plugin, answering on the
 * bridge's address for Service and pod names under cluster.local. Nothing is forwarded: pods
 * resolve in-cluster names only, as no traffic of theirs may leave the machine.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, loopback } from '../ports.ts';
import { type ManagedProcess, startManaged, waitUntilReady } from '../processes.ts';
import { nodeHostAddress } from './network.ts';

export const clusterDomain = 'cluster.local';
export const clusterDnsAddress = nodeHostAddress;

export function corefile(kubeconfig: string, ports: { health: number; ready: number }): string {
  return `.:53 {
    bind ${clusterDnsAddress}
    errors
    health ${loopback}:${ports.health}
    ready ${loopback}:${ports.ready}
    kubernetes ${clusterDomain} in-addr.arpa ip6.arpa {
        kubeconfig ${kubeconfig}
        pods insecure
        fallthrough in-addr.arpa ip6.arpa
        ttl 5
    }
    cache 5
    loadbalance
}
`;
}

export async function startClusterDns(binary: string, dir: string, kubeconfig: string): Promise<ManagedProcess> {
  const ports = { health: await freePort(), ready: await freePort() };
  const config = join(dir, 'Corefile');
  writeFileSync(config, corefile(kubeconfig, ports));
  const proc = startManaged('coredns', binary, ['-conf', config], {
    logFile: join(dir, 'coredns.log'),
    graceMs: 2000,
  });
  // `ready` answers 200 once the kubernetes plugin has synced its Services and endpoints.
  await waitUntilReady(proc, async () => (await fetch(`http://${loopback}:${ports.ready}/ready`)).ok, 60_000);
  return proc;
}
