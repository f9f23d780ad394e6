import type { TrainingRun } from '../api/resources.ts';

export interface RunSample {
  labels: { namespace: string; run: string; model: string };
  /** Evaluation metrics of a Succeeded run, by name. */
  metrics: Record<string, number>;
  /** Wall time from the Job's start to its completion. */
  durationSeconds?: number;
}

/**
 * What Grafana charts per run: the evaluation metrics and training wall time of every finished
 * run still in the cluster (retraining keeps at most historyLimit, which bounds the series).
 */
export function runSamples(runs: Iterable<TrainingRun>): RunSample[] {
  const samples: RunSample[] = [];
  for (const run of runs) {
    const status = run.status;
    if (status?.phase !== 'Succeeded' && status?.phase !== 'Failed') continue;
    const labels = {
      namespace: run.metadata?.namespace ?? '',
      run: run.metadata?.name ?? '',
      model: run.spec?.model ?? '',
    };
    const metrics: Record<string, number> = {};
    if (status.phase === 'Succeeded') {
      for (const [name, value] of Object.entries(status.metrics ?? {}))
        if (typeof value === 'number' && Number.isFinite(value)) metrics[name] = value;
    }
    const started = Date.parse(status.startTime ?? '');
    const completed = Date.parse(status.completionTime ?? '');
    const sample: RunSample = { labels, metrics };
    if (Number.isFinite(started) && Number.isFinite(completed) && completed >= started)
      sample.durationSeconds = (completed - started) / 1000;
    samples.push(sample);
  }
  return samples;
}
