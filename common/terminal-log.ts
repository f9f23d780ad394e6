/**
 * Log lines for a person at a terminal: the JSON records of common/log.ts rendered as one line a
 * stage, with progress bars (loading, epochs) redrawn in place. Nothing is dropped: a record this
 * module has no words for is printed as its message and fields.
 */
import type { LogFields } from './log.ts';

export type LogFormat = 'json' | 'text';

export interface RenderedLine {
  text: string;
  /** Redrawn in place by the next line (a progress bar) instead of scrolling. */
  transient?: boolean;
}

export function parseLogFormat(value: string | undefined, isTerminal: boolean): LogFormat {
  if (value === undefined) return isTerminal ? 'text' : 'json';
  if (value === 'json' || value === 'text') return value;
  throw new Error(`--log-format must be json or text, got ${value}`);
}

const BAR_WIDTH = 24;
const thousands = new Intl.NumberFormat('en-US');

export function progressBar(done: number, total: number): string {
  const share = total > 0 ? Math.min(1, Math.max(0, done / total)) : 0;
  const filled = Math.round(share * BAR_WIDTH);
  return `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${String(Math.round(share * 100)).padStart(3)}%`;
}

const count = (value: unknown): string => (typeof value === 'number' ? thousands.format(value) : String(value));
const fixed = (value: unknown, digits: number): string =>
  typeof value === 'number' ? value.toFixed(digits) : String(value);

function fieldsText(fields: LogFields): string {
  return Object.entries(fields)
    .map(([key, value]) => `${key}=${typeof value === 'object' ? JSON.stringify(value) : String(value)}`)
    .join(' ');
}

/** The line a person reads for one log record (time, level and base fields left out). */
export function renderRecord(record: LogFields): RenderedLine {
  const { time: _time, level, msg, component: _component, run: _run, ...fields } = record;
  if (level === 'warn' || level === 'error') return { text: `${level}: ${String(msg)} ${fieldsText(fields)}`.trim() };
  switch (msg) {
    case 'downloading':
      return { text: `downloading ${progressBar(Number(fields.bytes), Number(fields.total))}`, transient: true };
    case 'ratings loaded':
      return typeof fields.total === 'number'
        ? {
            text: `loading ratings ${progressBar(Number(fields.rows), fields.total)} ${count(fields.rows)}`,
            transient: true,
          }
        : { text: `reading ratings ${count(fields.rows)}`, transient: true };
    case 'dataset loaded':
      return {
        text: `loaded ${fields.dataset}: ${count(fields.ratings)} ratings, ${count(fields.movies)} movies, in ${fields.batches} batches`,
      };
    case 'snapshot read':
      return {
        text: `training on ${count(fields.ratings)} ratings of ${count(fields.users)} users and ${count(fields.movies)} movies`,
      };
    case 'epoch': {
      const validation = fields.validationRmse === undefined ? '' : `, validation ${fixed(fields.validationRmse, 4)}`;
      const bar = typeof fields.maxEpochs === 'number' ? `${progressBar(Number(fields.epoch), fields.maxEpochs)} ` : '';
      return {
        text: `${fields.phase} ${bar}epoch ${fields.epoch}: RMSE ${fixed(fields.trainRmse, 4)}${validation}`,
        transient: true,
      };
    }
    case 'stage done':
      return { text: `  ${String(fields.stage).padEnd(22)} ${fixed(fields.seconds, 2)} s` };
    case 'evaluated':
      return {
        text: `evaluated on the held-out ratings: RMSE ${fixed(fields.rmse, 4)}, NDCG@10 ${fixed(fields.ndcgAt10, 4)}`,
      };
    case 'artifact written':
      return { text: `wrote the model to ${fields.uri}` };
    default:
      return { text: `${String(msg)} ${fieldsText(fields)}`.trim() };
  }
}

export interface TerminalOutput {
  write(text: string): unknown;
}

export interface TerminalLog {
  /** A `write` for createLogger: renders each JSON line, redrawing progress bars in place. */
  write(line: string): void;
  /** Ends a progress bar left on the last line, before other output follows. */
  end(): void;
}

export function createTerminalLog(out: TerminalOutput): TerminalLog {
  let transientShown = false;
  const end = () => {
    if (transientShown) out.write('\n');
    transientShown = false;
  };
  const write = (line: string) => {
    let record: LogFields;
    try {
      record = JSON.parse(line) as LogFields;
    } catch {
      record = { msg: line };
    }
    const rendered = renderRecord(record);
    const clear = transientShown ? '\r\x1b[2K' : '';
    transientShown = rendered.transient === true;
    out.write(`${clear}${rendered.text}${rendered.transient ? '' : '\n'}`);
  };
  return { write, end };
}
