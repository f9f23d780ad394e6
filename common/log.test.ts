import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { createLineBuffer, createLogger } from './log.ts';

describe('createLineBuffer', () => {
  it('hands the lines of one event-loop turn to the sink in one chunk, in order', async () => {
    const chunks: string[] = [];
    const buffer = createLineBuffer((chunk) => chunks.push(chunk));
    buffer.write('a');
    buffer.write('b');
    expect(chunks).toEqual([]);
    await nextTurn();
    expect(chunks).toEqual(['a\nb\n']);
    buffer.write('c');
    await nextTurn();
    expect(chunks).toEqual(['a\nb\n', 'c\n']);
  });

  it('writes at once past the size limit, and on flush', () => {
    const chunks: string[] = [];
    const buffer = createLineBuffer((chunk) => chunks.push(chunk), 10);
    buffer.write('0123456789');
    expect(chunks).toEqual(['0123456789\n']);
    buffer.write('x');
    buffer.flush();
    expect(chunks).toEqual(['0123456789\n', 'x\n']);
  });
});

describe('createLogger', () => {
  it('writes one JSON object per line with level, message and fields, below the level nothing', () => {
    const lines: string[] = [];
    const log = createLogger({ component: 'test' }, { level: 'info', write: (line) => lines.push(line) });
    log.debug('hidden');
    log.child({ run: 'r1' }).info('epoch', { loss: 0.5 });
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 'info', msg: 'epoch', component: 'test', run: 'r1', loss: 0.5 });
  });

  it('writes an Error field as its name and message', () => {
    const lines: string[] = [];
    createLogger({}, { write: (line) => lines.push(line) }).error('failed', { error: new RangeError('too far'), attempt: 2 });
    expect(JSON.parse(lines[0]!)).toMatchObject({ error: { name: 'RangeError', message: 'too far' }, attempt: 2 });
  });
});
