import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLineBuffer, createLogger, isoNow } from './log.ts';

describe('createLineBuffer', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('hands the lines written within the delay to the sink in one chunk, in order', () => {
    vi.useFakeTimers();
    const chunks: string[] = [];
    const buffer = createLineBuffer((chunk) => chunks.push(Buffer.from(chunk).toString()), { maxDelayMs: 30 });
    buffer.write('a');
    vi.advanceTimersByTime(20);
    buffer.write('b');
    expect(chunks).toEqual([]);
    vi.advanceTimersByTime(10);
    expect(chunks).toEqual(['a\nb\n']);
    buffer.write('c');
    vi.advanceTimersByTime(29);
    expect(chunks).toEqual(['a\nb\n']);
    vi.advanceTimersByTime(1);
    expect(chunks).toEqual(['a\nb\n', 'c\n']);
  });

  it('writes at once past the size limit, and on flush', () => {
    vi.useFakeTimers();
    const chunks: string[] = [];
    const buffer = createLineBuffer((chunk) => chunks.push(Buffer.from(chunk).toString()), {
      maxBytes: 10,
      maxDelayMs: 30,
    });
    buffer.write('0123456789');
    expect(chunks).toEqual(['0123456789\n']);
    buffer.write('x');
    buffer.flush();
    expect(chunks).toEqual(['0123456789\n', 'x\n']);
    // A flush ends the wait: no empty chunk, no line twice.
    vi.advanceTimersByTime(60);
    expect(chunks).toEqual(['0123456789\n', 'x\n']);
  });

  it('encodes any text as UTF-8, a line never split across chunks, a chunk never reused', () => {
    const chunks: Uint8Array[] = [];
    const buffer = createLineBuffer((chunk) => chunks.push(chunk), { maxBytes: 16, maxDelayMs: 30 });
    const lines = ['héllo', '😀 ok', '"quoted"\\', 'x'.repeat(40), '∑', ''];
    for (const line of lines) buffer.write(line);
    buffer.flush();
    const copies = chunks.map((chunk) => Buffer.from(chunk));
    buffer.write('later lines go to a new chunk');
    buffer.flush();
    expect(chunks.slice(0, copies.length).map((chunk) => Buffer.from(chunk))).toEqual(copies);
    const decoded = copies.map((chunk) => chunk.toString('utf8'));
    expect(decoded.every((chunk) => chunk.endsWith('\n'))).toBe(true);
    expect(decoded.join('')).toBe(lines.map((line) => `${line}\n`).join(''));
    expect(Buffer.concat(copies).byteLength).toBe(Buffer.byteLength(lines.map((line) => `${line}\n`).join('')));
  });

  it('loses no line when the process exits before the delay', async () => {
    const { spawnSync } = await import('node:child_process');
    const script = `import { createLogger } from ${JSON.stringify(new URL('./log.ts', import.meta.url).href)};
      createLogger({}).info('last words'); process.exit(3);`;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(child.status).toBe(3);
    expect(JSON.parse(child.stderr)).toMatchObject({ level: 'info', msg: 'last words' });
  });
});

describe('createLogger', () => {
  it('writes one JSON object per line with level, message and fields, below the level nothing', () => {
    const lines: string[] = [];
    const log = createLogger({ component: 'test' }, { level: 'info', write: (line) => lines.push(line) });
    log.debug('hidden');
    log.child({ run: 'r1' }).info('epoch', { loss: 0.5 });
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      level: 'info',
      msg: 'epoch',
      component: 'test',
      run: 'r1',
      loss: 0.5,
    });
  });

  it('writes an Error field as its name and message', () => {
    const lines: string[] = [];
    createLogger({}, { write: (line) => lines.push(line) }).error('failed', {
      error: new RangeError('too far'),
      attempt: 2,
    });
    expect(JSON.parse(lines[0]!)).toMatchObject({ error: { name: 'RangeError', message: 'too far' }, attempt: 2 });
  });
});

describe('createLogger lines', () => {
  const linesOf = (base: Record<string, unknown>, use: (log: ReturnType<typeof createLogger>) => void): string[] => {
    const lines: string[] = [];
    use(createLogger(base, { write: (line) => lines.push(line) }));
    return lines;
  };

  it('keeps the order time, level, msg, base fields, own fields, with or without either', () => {
    const [withBoth, baseOnly, ownOnly, none] = [
      ...linesOf({ component: 'c' }, (log) => {
        log.info('a', { x: 1, path: '/p"q' });
        log.info('b');
      }),
      ...linesOf({}, (log) => {
        log.info('c', { x: 2 });
        log.info('d', {});
      }),
    ];
    expect(Object.keys(JSON.parse(withBoth!))).toEqual(['time', 'level', 'msg', 'component', 'x', 'path']);
    expect(JSON.parse(withBoth!).path).toBe('/p"q');
    expect(Object.keys(JSON.parse(baseOnly!))).toEqual(['time', 'level', 'msg', 'component']);
    expect(Object.keys(JSON.parse(ownOnly!))).toEqual(['time', 'level', 'msg', 'x']);
    expect(Object.keys(JSON.parse(none!))).toEqual(['time', 'level', 'msg']);
    expect(new Date(JSON.parse(none!).time).getTime()).toBeGreaterThan(Date.now() - 60_000);
  });

  it('lets a field replace a base field of the same name, once, in its place', () => {
    const [line] = linesOf({ component: 'c', run: 'r1' }, (log) => log.warn('w', { run: 'r2', n: 3 }));
    expect(line!.match(/"run"/g)).toHaveLength(1);
    expect(Object.entries(JSON.parse(line!)).slice(1)).toEqual([
      ['level', 'warn'],
      ['msg', 'w'],
      ['component', 'c'],
      ['run', 'r2'],
      ['n', 3],
    ]);
  });

  it('writes valid JSON when a base field is undefined', () => {
    const [line] = linesOf({ gone: undefined }, (log) => log.info('x'));
    expect(JSON.parse(line!)).toMatchObject({ msg: 'x' });
  });
});

describe('fixedLine', () => {
  const capture = (base: Record<string, unknown>, level: 'debug' | 'info' | 'warn' = 'info') => {
    const lines: string[] = [];
    return { lines, log: createLogger(base, { level, write: (line) => lines.push(line) }) };
  };

  it('writes the line that info/warn write for the same fields, keys in the given order', () => {
    const keys = ['method', 'path', 'status', 'durationMs', 'tags', 'error'] as const;
    const values = ['GET', '/a"b\\c\u2028', 200, 0.125, { n: [1, null] }, new TypeError('bad')];
    const fixed = capture({ component: 'c', pod: undefined });
    const plain = capture({ component: 'c', pod: undefined });
    fixed.log.fixedLine('request', keys)('warn', values);
    plain.log.warn('request', Object.fromEntries(keys.map((key, k) => [key, values[k]])));
    const [written, expected] = [JSON.parse(fixed.lines[0]!), JSON.parse(plain.lines[0]!)];
    expect(Object.keys(written)).toEqual(Object.keys(expected));
    expect({ ...written, time: undefined }).toEqual({ ...expected, time: undefined });
    expect(written.path).toBe('/a"b\\c\u2028');
  });

  it('leaves out undefined values, writes null for what JSON cannot hold, honours the level', () => {
    const { lines, log } = capture({}, 'info');
    const line = log.fixedLine('m', ['a', 'b', 'c', 'd']);
    line('debug', [1, 2, 3, 4]);
    line('info', [undefined, Number.NaN, () => 0, Number.POSITIVE_INFINITY]);
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toEqual({
      time: expect.any(String),
      level: 'info',
      msg: 'm',
      b: null,
      c: null,
      d: null,
    });
  });

  it('refuses a field name that a line or base field already has', () => {
    const { log } = capture({ component: 'c' });
    expect(() => log.fixedLine('m', ['status', 'component'])).toThrow(/component/);
    expect(() => log.fixedLine('m', ['msg'])).toThrow(/msg/);
    expect(() => log.child({ run: 'r' }).fixedLine('m', ['run'])).toThrow(/run/);
  });
});

describe('isoNow', () => {
  it('formats as Date#toISOString, across second boundaries and in any order', () => {
    const start = Date.UTC(2026, 10, 25, 23, 59, 58, 990);
    const instants = [0, 1, 9, 10, 11, 1009, 1010, 1999, 2000, 2010, 86_400_000, 5, -1000].map(
      (offset) => start + offset,
    );
    for (const at of instants) expect(isoNow(at)).toBe(new Date(at).toISOString());
  });
});
