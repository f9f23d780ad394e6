import type { LabelValues, Metric, Registry } from 'prom-client';

/** A sample as prom-client's registry formats it. */
export interface HistogramSample {
  labels: Record<string, string | number>;
  value: number;
  metricName: string;
}

export interface HistogramChild {
  observe(value: number): void;
}

/**
 * A Prometheus histogram for a hot path, exposed exactly as prom-client's Histogram would expose
 * the same observations (same samples, labels and order).
 *
 * prom-client validates and hashes the label set on every observation, even through a child from
 * `labels()`: about 1.5 µs a request on routes that answer in tens. Here a child is the label
 * set's own bucket counts, and an observation is a bucket search and three additions. Callers
 * keep the children they use (a label set is looked up once, not per observation).
 */
export class FastHistogram<L extends string> {
  readonly name: string;
  readonly help: string;
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  readonly labelNames: readonly L[];
  readonly #bounds: Float64Array;
  readonly #children = new Map<string, Series>();
  /** The label sets observed since the start or the last reset, in the order of their first observation. */
  readonly #exposed = new Map<string, Series>();

  constructor(config: {
    name: string;
    help: string;
    labelNames: readonly L[];
    buckets: readonly number[];
    registers: Registry[];
  }) {
    this.name = config.name;
    this.help = config.help;
    this.labelNames = config.labelNames;
    const bounds = [...config.buckets].sort((a, b) => a - b);
    if (bounds.some((bound, k) => !Number.isFinite(bound) || bound === bounds[k - 1]))
      throw new Error(`${config.name}: buckets must be distinct finite numbers`);
    this.#bounds = Float64Array.from(bounds);
    // The registry reads any object with prom-client's metric shape (name, help, type, get, reset).
    for (const registry of config.registers) registry.registerMetric(this as unknown as Metric);
  }

  /** The child for one label set; like prom-client's, it is exposed from its first observation on. */
  labels(values: LabelValues<L>): HistogramChild {
    const names = Object.keys(values);
    const unknown = names.find((name) => !this.labelNames.includes(name as L));
    if (unknown !== undefined) throw new Error(`${this.name}: unknown label ${unknown}`);
    const key = this.labelNames.map((name) => `${String(values[name] ?? '')}\u0000`).join('');
    let series = this.#children.get(key);
    if (!series) {
      const labels = Object.fromEntries(
        Object.entries(values).filter((entry): entry is [string, string | number] => entry[1] !== undefined),
      );
      const created = new Series(labels, this.#bounds, () => this.#exposed.set(key, created));
      series = created;
      this.#children.set(key, series);
    }
    return series;
  }

  /** As prom-client's reset: every label set is gone until it is observed again. */
  reset(): void {
    for (const series of this.#exposed.values()) series.clear();
    this.#exposed.clear();
  }

  /** The samples in prom-client's shape: for each label set its cumulative buckets, +Inf, sum and count. */
  async get(): Promise<{
    name: string;
    help: string;
    type: 'histogram';
    aggregator: 'sum';
    values: HistogramSample[];
  }> {
    const values: HistogramSample[] = [];
    const bucket = `${this.name}_bucket`;
    for (const { labels, counts, sum, count } of this.#exposed.values()) {
      let cumulative = 0;
      this.#bounds.forEach((le, k) => {
        cumulative += counts[k]!;
        values.push({ labels: { le, ...labels }, value: cumulative, metricName: bucket });
      });
      values.push({ labels: { le: '+Inf', ...labels }, value: count, metricName: bucket });
      values.push({ labels: { ...labels }, value: sum, metricName: `${this.name}_sum` });
      values.push({ labels: { ...labels }, value: count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }
}

class Series implements HistogramChild {
  readonly labels: Record<string, string | number>;
  readonly counts: Float64Array;
  readonly #bounds: Float64Array;
  readonly #relist: () => void;
  #listed = false;
  sum = 0;
  count = 0;

  constructor(labels: Record<string, string | number>, bounds: Float64Array, relist: () => void) {
    this.labels = labels;
    this.#bounds = bounds;
    this.#relist = relist;
    this.counts = new Float64Array(bounds.length);
  }

  observe(value: number): void {
    if (!Number.isFinite(value)) throw new TypeError(`Value is not a valid number: ${value}`);
    if (!this.#listed) {
      this.#listed = true;
      this.#relist();
    }
    const bounds = this.#bounds;
    let k = 0;
    while (k < bounds.length && value > bounds[k]!) k++;
    // above the last bound: counted in +Inf (the count) only
    if (k < bounds.length) this.counts[k]!++;
    this.sum += value;
    this.count++;
  }

  clear(): void {
    this.#listed = false;
    this.counts.fill(0);
    this.sum = 0;
    this.count = 0;
  }
}
