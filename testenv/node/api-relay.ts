/**
 * Pods reach the API server as in any cluster, through the `kubernetes` Service: its EndpointSlice
 * names the bridge's address, where this relay passes each connection on to the API server on
 * loopback. TLS stays end to end; the serving certificate names the Service's ClusterIP.
 */
import { once } from 'node:events';
import { connect, createServer, type Socket } from 'node:net';
import * as k8s from '@kubernetes/client-node';
import { nodeHostAddress } from './network.ts';

export interface ApiServerRelay {
  readonly address: string;
  readonly port: number;
  close(): Promise<void>;
}

/** The `kubernetes` Service's endpoints, as the API server's own endpoint reconciler would write them. */
export function kubernetesEndpointSlice(address: string, port: number): k8s.V1EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name: 'kubernetes',
      namespace: 'default',
      labels: {
        'kubernetes.io/service-name': 'kubernetes',
        'endpointslice.kubernetes.io/managed-by': 'movie-reco-testenv',
      },
    },
    addressType: 'IPv4',
    endpoints: [{ addresses: [address], conditions: { ready: true } }],
    ports: [{ name: 'https', port, protocol: 'TCP' }],
  };
}

export async function startApiServerRelay(apiServerUrl: string, kubeConfig: k8s.KubeConfig): Promise<ApiServerRelay> {
  const target = new URL(apiServerUrl);
  const port = Number(target.port);
  const open = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(port, target.hostname);
    for (const socket of [client, upstream]) {
      open.add(socket);
      socket.on('close', () => open.delete(socket));
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  server.listen(port, nodeHostAddress);
  await once(server, 'listening');
  const discovery = kubeConfig.makeApiClient(k8s.DiscoveryV1Api);
  const body = kubernetesEndpointSlice(nodeHostAddress, port);
  await discovery.createNamespacedEndpointSlice({ namespace: 'default', body }).catch((err: { code?: number }) => {
    if (err.code !== 409) throw err;
    return discovery.replaceNamespacedEndpointSlice({ name: 'kubernetes', namespace: 'default', body });
  });
  return {
    address: nodeHostAddress,
    port,
    async close() {
      for (const socket of open) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
