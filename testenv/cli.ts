/**
 * npm run testenv -- install | up [--with-controller-manager] [--with-node] | down | status | env
 *   install the Debian packages the tests need, and prometheus/promtool into the cache; once, before
 *           the tests (npm test's pretest); a second run with everything present takes milliseconds
 *   up      start every server in the background; prints the environment and the kubeconfig path
 *           (--with-node: a real node too, containerd + kubelet; see testenv/node/node.ts)
 *   down    stop them; no process and no temporary folder is left
 *   status  whether each server answers (exit 3 when the environment is not up)
 *   env     `export MOVIE_RECO_TEST_...=...` lines, for eval "$(npm run -s testenv -- env)"
 */
import { createLogger } from '../common/log.ts';
import { down, isAlive, readState, serve, up } from './background.ts';
import { fetchPrometheusTools } from './binaries.ts';
import { installDebianPackages, requiredDebianPackages } from './debian-packages.ts';
import { probeServers } from './status.ts';

const shellQuote = (value: string) => `'${value.replace(/'/g, `'\\''`)}'`;

function exportLines(env: Record<string, string>): string {
  return Object.entries(env)
    .map(([key, value]) => `export ${key}=${shellQuote(value)}`)
    .join('\n');
}

async function main(command: string | undefined, flags: string[]): Promise<number> {
  const options = {
    controllerManager: flags.includes('--with-controller-manager'),
    node: flags.includes('--with-node'),
  };
  switch (command) {
    case 'install': {
      const installed = await installDebianPackages(requiredDebianPackages);
      await fetchPrometheusTools(createLogger({ component: 'testenv' }));
      process.stdout.write(
        installed.length > 0 ? `installed ${installed.join(' ')}\n` : `present: ${requiredDebianPackages.join(' ')}\n`,
      );
      return 0;
    }
    case 'serve':
      await serve(options);
      return -1;
    case 'up': {
      const state = await up(options);
      process.stdout.write(`${exportLines(state.env)}\n\n# kubeconfig: ${state.env.MOVIE_RECO_TEST_KUBECONFIG}\n`);
      process.stdout.write(`# try: kubectl --kubeconfig ${state.env.MOVIE_RECO_TEST_KUBECONFIG} get --raw /version\n`);
      const socket = state.env.MOVIE_RECO_TEST_CONTAINERD_SOCKET;
      if (socket)
        process.stdout.write(`# load an image: ctr --address ${socket} -n k8s.io images import IMAGE.oci.tar\n`);
      return 0;
    }
    case 'down':
      process.stdout.write(`${await down()}\n`);
      return 0;
    case 'status': {
      const state = readState();
      if (!state || !isAlive(state.supervisorPid)) {
        process.stdout.write('down\n');
        return 3;
      }
      process.stdout.write(
        `up since ${state.startedAt} (supervisor pid ${state.supervisorPid}, folder ${state.dir})\n`,
      );
      const probes = await probeServers(state.env);
      for (const probe of probes)
        process.stdout.write(`${probe.ok ? 'ok  ' : 'FAIL'} ${probe.server.padEnd(15)} ${probe.detail}\n`);
      return probes.every((probe) => probe.ok) ? 0 : 1;
    }
    case 'env': {
      const state = readState();
      if (!state || !isAlive(state.supervisorPid)) {
        process.stderr.write('the test environment is not up: npm run testenv -- up\n');
        return 3;
      }
      process.stdout.write(`${exportLines(state.env)}\n`);
      return 0;
    }
    default:
      process.stderr.write(
        'usage: npm run testenv -- install | up [--with-controller-manager] [--with-node] | down | status | env\n',
      );
      return 2;
  }
}

main(process.argv[2], process.argv.slice(3)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (err: Error) => {
    process.stderr.write(`testenv: ${err.message}\n`);
    process.exitCode = 1;
  },
);
