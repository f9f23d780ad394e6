/**
 * The pod network of the test node: Debian's CNI bridge and host-local plugins on a bridge of its
 * own, and a guard that drops anything from a pod that would leave through another interface
 * (mangle POSTROUTING sees the destination after a Service's DNAT, so ClusterIP traffic passes).
 */
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { serviceClusterIpRange } from '../kube-apiserver.ts';

const run = promisify(execFile);

export const podCidr = '10.244.0.0/24';
/** The bridge's own address: the pods' gateway, and where they reach the node's cluster DNS and the API server. */
export const nodeHostAddress = '10.244.0.1';
export const bridgeName = 'mrtest0';
export const egressGuardChain = 'MOVIE-RECO-EGRESS';
/** Where Debian's containernetworking-plugins puts them. */
export const cniBinDir = '/usr/lib/cni';

export function cniConfig(ipamDir: string): object {
  return {
    cniVersion: '1.0.0',
    name: 'movie-reco-testenv',
    plugins: [
      {
        type: 'bridge',
        bridge: bridgeName,
        isGateway: true,
        ipMasq: false,
        hairpinMode: true,
        ipam: {
          type: 'host-local',
          ranges: [[{ subnet: podCidr }]],
          // Services only: with no default route, nothing else is reachable from a pod.
          routes: [{ dst: serviceClusterIpRange }],
          dataDir: ipamDir,
        },
      },
    ],
  };
}

export function writeCniConfig(confDir: string, ipamDir: string): void {
  mkdirSync(confDir, { recursive: true });
  mkdirSync(ipamDir, { recursive: true });
  writeFileSync(join(confDir, '10-movie-reco.conflist'), JSON.stringify(cniConfig(ipamDir), null, 2));
}

/**
 * The bridge the CNI plugin would make at the first pod, made up front: the API server relay and the
 * cluster DNS listen on its address before any pod exists.
 */
export async function createBridge(): Promise<void> {
  await run('ip', ['link', 'add', bridgeName, 'type', 'bridge']);
  await run('ip', ['addr', 'add', `${nodeHostAddress}/24`, 'dev', bridgeName]);
  await run('ip', ['link', 'set', bridgeName, 'up']);
}

/** Pods talk to each other, the node and Services on this machine; nothing of theirs leaves it. */
export async function guardEgress(): Promise<void> {
  const mangle = (...args: string[]) => run('iptables', ['-t', 'mangle', ...args]);
  await mangle('-N', egressGuardChain);
  await mangle('-A', egressGuardChain, '-o', bridgeName, '-j', 'RETURN');
  await mangle('-A', egressGuardChain, '-o', 'lo', '-j', 'RETURN');
  await mangle('-A', egressGuardChain, '-j', 'DROP');
  await mangle('-A', 'POSTROUTING', '-s', podCidr, '-j', egressGuardChain);
}
