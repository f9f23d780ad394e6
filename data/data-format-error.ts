/** A malformed input file; the message starts with `file:line:` so an editor can jump there. */
export class DataFormatError extends Error {
  readonly file: string;
  readonly line: number;

  constructor(file: string, line: number, reason: string) {
    super(`${file}:${line}: ${reason}`);
    this.name = 'DataFormatError';
    this.file = file;
    this.line = line;
  }
}
