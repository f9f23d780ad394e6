import { describe, expect, it } from 'vitest';
import { createLogger } from './log.ts';
import { createTerminalLog, parseLogFormat, progressBar, renderRecord } from './terminal-log.ts';

function capture() {
  const chunks: string[] = [];
  const terminal = createTerminalLog({ write: (text: string) => chunks.push(text) });
  return { terminal, text: () => chunks.join(''), log: createLogger({ component: 'demo' }, { write: terminal.write }) };
}

describe('terminal log', () => {
  it('picks text on a terminal and JSON elsewhere unless told, and refuses other formats', () => {
    expect(parseLogFormat(undefined, true)).toBe('text');
    expect(parseLogFormat(undefined, false)).toBe('json');
    expect(parseLogFormat('json', true)).toBe('json');
    expect(() => parseLogFormat('yaml', true)).toThrow(/--log-format must be json or text, got yaml/);
  });

  it('draws a bar proportional to the work done, clamped to 0-100%', () => {
    expect(progressBar(0, 10)).toBe(`[${'.'.repeat(24)}]   0%`);
    expect(progressBar(5, 10)).toBe(`[${'#'.repeat(12)}${'.'.repeat(12)}]  50%`);
    expect(progressBar(15, 10)).toBe(`[${'#'.repeat(24)}] 100%`);
  });

  it('redraws progress in place and scrolls stage lines', () => {
    const { log, text, terminal } = capture();
    log.info('ratings loaded', { rows: 500, total: 1000 });
    log.info('ratings loaded', { rows: 1000, total: 1000 });
    log.info('dataset loaded', { dataset: 'ml-100k', ratings: 1000, movies: 20, batches: 5 });
    log.info('epoch', { epoch: 3, phase: 'fit', trainRmse: 0.9, validationRmse: 0.95, maxEpochs: 6 });
    terminal.end();
    const screen = text();
    expect(screen).toContain('loading ratings [############............]  50% 500');
    expect(screen).toContain('\r\x1b[2Kloading ratings [########################] 100% 1,000');
    expect(screen).toContain('\r\x1b[2Kloaded ml-100k: 1,000 ratings, 20 movies, in 5 batches\n');
    expect(screen).toMatch(/fit \[#{12}\.{12}\] {2}50% epoch 3: RMSE 0\.9000, validation 0\.9500\n$/);
  });

  it('keeps every field of a record it has no words for, and warnings with their level', () => {
    expect(
      renderRecord({ time: 't', level: 'info', msg: 'something new', component: 'demo', a: 1, b: { c: 2 } }),
    ).toEqual({ text: 'something new a=1 b={"c":2}' });
    const warning = renderRecord({ level: 'warn', msg: 'slow disk', seconds: 3 });
    expect(warning.text).toBe('warn: slow disk seconds=3');
    expect(warning.transient).toBeUndefined();
  });
});
