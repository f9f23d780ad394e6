import { DataFormatError } from './data-format-error.ts';

export interface CsvRecord {
  readonly fields: string[];
  /** Line on which the record starts (1-based). */
  readonly line: number;
}

/**
 * RFC 4180 records from text: `,` separated, fields quoted with `"` when they hold a comma, a
 * quote (doubled) or a line break; CRLF or LF between records. Blank lines are skipped.
 */
export function* parseCsv(text: string, file: string): Generator<CsvRecord> {
  const n = text.length;
  let pos = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  while (pos < n) {
    const recordLine = line;
    const fields: string[] = [];
    for (;;) {
      if (text.charCodeAt(pos) === QUOTE) {
        let value = '';
        let i = pos + 1;
        for (;;) {
          const close = text.indexOf('"', i);
          if (close < 0) throw new DataFormatError(file, recordLine, 'unterminated quoted field');
          value += text.slice(i, close);
          line += countNewlines(text, i, close);
          if (text.charCodeAt(close + 1) === QUOTE) {
            value += '"';
            i = close + 2;
          } else {
            pos = close + 1;
            break;
          }
        }
        fields.push(value);
      } else {
        let i = pos;
        while (i < n) {
          const c = text.charCodeAt(i);
          if (c === COMMA || c === LF || c === CR) break;
          i++;
        }
        fields.push(text.slice(pos, i));
        pos = i;
      }
      const c = text.charCodeAt(pos);
      if (c === COMMA) {
        pos++;
        continue;
      }
      if (c === CR && text.charCodeAt(pos + 1) === LF) pos += 2;
      else if (c === LF || c === CR) pos++;
      else if (pos < n) throw new DataFormatError(file, line, 'unexpected character after a quoted field');
      line++;
      break;
    }
    if (fields.length === 1 && fields[0] === '') continue;
    yield { fields, line: recordLine };
  }
}

const QUOTE = 34;
const COMMA = 44;
const LF = 10;
const CR = 13;

function countNewlines(text: string, from: number, to: number): number {
  let count = 0;
  for (let i = text.indexOf('\n', from); i >= 0 && i < to; i = text.indexOf('\n', i + 1)) count++;
  return count;
}
