/**
 * The one structured logger: one JSON object per line on stderr (stdout stays free for
 * command results such as `evaluate --json`). Level from LOG_LEVEL (debug, info, warn, error).
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, unknown>;

const rank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
  /**
   * A writer of lines with one message and fixed field names, for a line logged at a high rate
   * (one per request): the names are checked and serialized once, each line serializes only its
   * values, in the order of `keys`; an undefined value leaves its field out.
   */
  fixedLine(msg: string, keys: readonly string[]): FixedLine;
}

export type FixedLine = (level: LogLevel, values: readonly unknown[]) => void;

export interface LoggerOptions {
  level?: LogLevel;
  write?: (line: string) => void;
}

export interface LineBuffer {
  write(line: string): void;
  flush(): void;
}

export interface LineBufferOptions {
  /** A chunk is handed over at once when it reaches this size. */
  maxBytes?: number;
  /** ...and otherwise this long after its first line. */
  maxDelayMs?: number;
}

/**
 * Lines handed to `sink` in one chunk at most `maxDelayMs` after the first (sooner past
 * `maxBytes`): a busy server logs a line per request, and a write per line, or even per
 * event-loop turn, costs more than the line (a turn answers a few requests; a 64 KB chunk holds
 * hundreds of lines). Each line is encoded into the chunk as it is written, so the line's string
 * dies at once: kept until the chunk is written, hundreds of lines would be copied by the young
 * generation's collections and joined afterwards, which cost a busy server more than the writes.
 * A chunk handed over is the sink's (never written again). The timer does not keep the process
 * alive: flush at exit.
 */
export function createLineBuffer(sink: (chunk: Uint8Array) => void, options: LineBufferOptions = {}): LineBuffer {
  const maxBytes = options.maxBytes ?? 64 * 1024;
  const maxDelayMs = options.maxDelayMs ?? 20;
  let chunk: Buffer | undefined;
  let used = 0;
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    if (chunk === undefined || used === 0) return;
    const full = chunk.subarray(0, used);
    chunk = undefined;
    used = 0;
    sink(full);
  };
  return {
    write(line) {
      // A UTF-16 unit takes at most 3 bytes in UTF-8: the room a line and its newline may need.
      const room = 3 * line.length + 1;
      if (chunk !== undefined && used + room > chunk.length) flush();
      chunk ??= Buffer.allocUnsafeSlow(Math.max(maxBytes, room));
      used += chunk.write(line, used);
      chunk[used++] = 0x0a;
      if (used >= maxBytes) flush();
      else if (timer === undefined) timer = setTimeout(flush, maxDelayMs).unref();
    },
    flush,
  };
}

let stderrLines: LineBuffer | undefined;

/** The process's stderr behind one line buffer, flushed at exit so that no line is lost. */
function stderrLineWriter(): (line: string) => void {
  if (!stderrLines) {
    const buffer = createLineBuffer((chunk) => process.stderr.write(chunk));
    process.on('exit', () => buffer.flush());
    stderrLines = buffer;
  }
  return stderrLines.write;
}

export function createLogger(base: LogFields = {}, options: LoggerOptions = {}): Logger {
  const level = options.level ?? parseLevel(process.env.LOG_LEVEL);
  const write = options.write ?? stderrLineWriter();
  // The base fields are serialized once; a line is then the time, level, message and the fields
  // serialized on their own (a busy server logs a line per request, and building one merged object
  // per line costs more than the JSON of its few fields).
  const baseMembers = JSON.stringify(base).slice(1, -1);
  const baseJson = baseMembers ? `,${baseMembers}` : '';
  const emit = (lvl: LogLevel, msg: string, fields?: LogFields): void => {
    if (rank[lvl] < rank[level]) return;
    const time = isoNow();
    const readable = fields && withReadableErrors(fields);
    // A field named like a line or base field replaces it in its place: the merged record.
    if (readable && overlaps(base, readable)) {
      write(JSON.stringify({ time, level: lvl, msg, ...base, ...readable }));
      return;
    }
    const head = `{"time":"${time}","level":"${lvl}","msg":${JSON.stringify(msg)}${baseJson}`;
    const own = readable ? JSON.stringify(readable) : '{}';
    write(own.length > 2 ? `${head},${own.slice(1)}` : `${head}}`);
  };
  return {
    debug: (msg, fields) => emit('debug', msg, fields),
    info: (msg, fields) => emit('info', msg, fields),
    warn: (msg, fields) => emit('warn', msg, fields),
    error: (msg, fields) => emit('error', msg, fields),
    child: (fields) => createLogger({ ...base, ...fields }, { level, write }),
    fixedLine: (msg, keys) => {
      const clash = keys.find((key) => isTaken(base, key));
      if (clash !== undefined) throw new Error(`log line "${msg}": the field ${clash} is already a line or base field`);
      const names = keys.map((key) => `,${JSON.stringify(key)}:`);
      const tail = `,"msg":${JSON.stringify(msg)}${baseJson}`;
      const heads: Record<LogLevel, string> = { debug: '', info: '', warn: '', error: '' };
      for (const lvl of Object.keys(heads) as LogLevel[]) heads[lvl] = `","level":"${lvl}"${tail}`;
      // Per field, the last string value and its member (name and JSON): a request line repeats its
      // method and route, often its path. Fewer pieces per line also make its encoding cheaper.
      const lastStrings: (string | undefined)[] = keys.map(() => undefined);
      const lastMembers: string[] = keys.map(() => '');
      return (lvl, values) => {
        if (rank[lvl] < rank[level]) return;
        let line = `{"time":"${isoNow()}${heads[lvl]}`;
        for (let k = 0; k < names.length; k++) {
          const value = values[k];
          if (value === undefined) continue;
          if (typeof value === 'string') {
            if (value !== lastStrings[k]) {
              lastStrings[k] = value;
              lastMembers[k] = names[k]! + JSON.stringify(value);
            }
            line += lastMembers[k]!;
          } else {
            line +=
              names[k]! +
              (typeof value === 'number' && Number.isFinite(value)
                ? String(value)
                : (JSON.stringify(readableValue(value)) ?? 'null'));
          }
        }
        write(`${line}}`);
      };
    },
  };
}

let isoSecond = -1;
let isoSecondPrefix = '';
const MILLIS = Array.from({ length: 1000 }, (_, ms) => `${String(ms).padStart(3, '0')}Z`);

/** The current time in ISO 8601 (as Date#toISOString), its date and time formatted once per second. */
export function isoNow(now = Date.now()): string {
  const second = Math.floor(now / 1000);
  if (second !== isoSecond) {
    isoSecond = second;
    isoSecondPrefix = new Date(second * 1000).toISOString().slice(0, 20);
  }
  return isoSecondPrefix + MILLIS[now - second * 1000];
}

function overlaps(base: LogFields, fields: LogFields): boolean {
  for (const key in fields) if (isTaken(base, key)) return true;
  return false;
}

/** A line field (time, level, msg) or a base field already has this name. */
function isTaken(base: LogFields, key: string): boolean {
  return key === 'time' || key === 'level' || key === 'msg' || Object.hasOwn(base, key);
}

function parseLevel(value: string | undefined): LogLevel {
  return value === 'debug' || value === 'warn' || value === 'error' ? value : 'info';
}

function readableValue(value: unknown): unknown {
  return value instanceof Error ? { name: value.name, message: value.message } : value;
}

/** Errors among the fields as {name, message} (JSON.stringify would write {}); the fields themselves when there are none. */
function withReadableErrors(fields: LogFields): LogFields {
  let readable: LogFields | undefined;
  for (const key in fields) {
    const value = fields[key];
    if (!(value instanceof Error)) continue;
    readable ??= { ...fields };
    readable[key] = readableValue(value);
  }
  return readable ?? fields;
}
