/**
 * Prometheus (Debian's build) on a free loopback port, scraping targets that the test rewrites as
 * pods come and go: file-based discovery, since Debian builds Prometheus without the Kubernetes one.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { podCidr } from './node/network.ts';
import { freePort, loopback } from './ports.ts';
import { startManaged, waitUntilReady, type ManagedProcess } from './processes.ts';

export interface ScrapeTarget {
  /** host:port, on loopback or a pod of the test node (testenv/node): nothing off the machine. */
  readonly address: string;
  readonly labels?: Record<string, string>;
}

export interface QuerySample {
  readonly metric: Record<string, string>;
  readonly value: number;
}

export interface PrometheusServer {
  readonly url: string;
  readonly process: ManagedProcess;
  /** Replaces the targets of one scrape job; Prometheus picks the file up within a second. */
  setTargets(job: string, targets: readonly ScrapeTarget[]): void;
  /** An instant query; throws on a query error so that a broken expression fails loudly. */
  query(expr: string): Promise<QuerySample[]>;
  stop(): Promise<void>;
}

export interface PrometheusOptions {
  readonly binary: string;
  readonly dir: string;
  readonly jobs: readonly string[];
  readonly scrapeIntervalSeconds?: number;
  /** Rule files (alerting and recording rules) to load, validated by Prometheus at start. */
  readonly ruleFiles?: readonly string[];
}

/** The test node's pod network is a /24: its addresses share the first three octets. */
const podNetworkPrefix = `${podCidr.split('.').slice(0, 3).join('.')}.`;

export async function startPrometheus(options: PrometheusOptions): Promise<PrometheusServer> {
  const dir = join(options.dir, 'prometheus');
  const sdDir = join(dir, 'targets');
  mkdirSync(sdDir, { recursive: true });
  const interval = `${options.scrapeIntervalSeconds ?? 1}s`;
  const targetFile = (job: string) => join(sdDir, `${job}.json`);
  const setTargets = (job: string, targets: readonly ScrapeTarget[]) => {
    for (const target of targets) {
      if (!/^127\.\d+\.\d+\.\d+:\d+$/.test(target.address) && !target.address.startsWith(podNetworkPrefix))
        throw new Error(`scrape target ${target.address} is neither on loopback nor a test node's pod`);
    }
    const groups = targets.map((target) => ({ targets: [target.address], labels: target.labels ?? {} }));
    // Written aside and renamed: Prometheus must never read half a file.
    writeFileSync(`${targetFile(job)}.tmp`, JSON.stringify(groups));
    renameSync(`${targetFile(job)}.tmp`, targetFile(job));
  };
  for (const job of options.jobs) setTargets(job, []);
  const config = {
    global: { scrape_interval: interval, evaluation_interval: interval, scrape_timeout: interval },
    rule_files: options.ruleFiles ?? [],
    scrape_configs: options.jobs.map((job) => ({
      job_name: job,
      file_sd_configs: [{ files: [targetFile(job)], refresh_interval: '1s' }],
    })),
  };
  const configFile = join(dir, 'prometheus.yml');
  // JSON is YAML: no YAML writer needed.
  writeFileSync(configFile, JSON.stringify(config, null, 2));
  const port = await freePort();
  const url = `http://${loopback}:${port}`;
  const args = [
    `--config.file=${configFile}`,
    `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=${loopback}:${port}`,
    '--web.enable-lifecycle',
    '--log.level=warn',
  ];
  const proc = startManaged('prometheus', options.binary, args, { logFile: join(dir, 'prometheus.log') });
  await waitUntilReady(proc, async () => (await fetch(`${url}/-/ready`)).ok, 60_000);

  return {
    url,
    process: proc,
    setTargets,
    async query(expr) {
      const response = await fetch(`${url}/api/v1/query?${new URLSearchParams({ query: expr })}`);
      const body = (await response.json()) as {
        status: string;
        error?: string;
        data?: { resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] };
      };
      if (body.status !== 'success' || !body.data)
        throw new Error(`query ${expr} failed: ${body.error ?? response.status}`);
      if (body.data.resultType === 'scalar') {
        const [, value] = body.data.result as unknown as [number, string];
        return [{ metric: {}, value: Number(value) }];
      }
      return body.data.result.map((sample) => ({ metric: sample.metric, value: Number(sample.value[1]) }));
    },
    stop: () => proc.stop(),
  };
}
