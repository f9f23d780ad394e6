/**
 * A reproducible tar writer (POSIX ustar, with pax records for long paths): every entry gets the
 * same mtime, numeric owners and no user or group names, so the bytes depend only on the contents.
 */
import { createReadStream } from 'node:fs';

export type TarEntry =
  | { type: 'dir'; path: string; mode: number; uid: number; gid: number }
  | { type: 'file'; path: string; mode: number; uid: number; gid: number; size: number; source: string | Buffer }
  | { type: 'symlink'; path: string; uid: number; gid: number; target: string }
  | { type: 'hardlink'; path: string; mode: number; uid: number; gid: number; target: string };

const BLOCK = 512;
const typeFlags = { file: '0', hardlink: '1', symlink: '2', dir: '5' } as const;

function octal(value: number, width: number): string {
  const digits = value.toString(8);
  if (digits.length > width - 1) throw new Error(`${value} does not fit a tar field of ${width} bytes`);
  return `${digits.padStart(width - 1, '0')}\0`;
}

/** A pax record: its length counts its own digits ("%d key=value\n"). */
function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let length = Buffer.byteLength(body);
  while (String(length).length + Buffer.byteLength(body) !== length)
    length = String(length).length + Buffer.byteLength(body);
  return `${length}${body}`;
}

/** Splits a path into ustar's prefix and name fields, or undefined when it needs a pax record. */
function ustarSplit(path: string): { prefix: string; name: string } | undefined {
  if (Buffer.byteLength(path) <= 100) return { prefix: '', name: path };
  for (let cut = path.indexOf('/'); cut !== -1; cut = path.indexOf('/', cut + 1)) {
    const prefix = path.slice(0, cut);
    const name = path.slice(cut + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100 && name !== '') return { prefix, name };
  }
  return undefined;
}

interface HeaderFields {
  name: string;
  prefix: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  typeFlag: string;
  linkName: string;
}

function headerBlock(fields: HeaderFields): Buffer {
  const block = Buffer.alloc(BLOCK);
  block.write(fields.name, 0, 100, 'utf8');
  block.write(octal(fields.mode, 8), 100, 'ascii');
  block.write(octal(fields.uid, 8), 108, 'ascii');
  block.write(octal(fields.gid, 8), 116, 'ascii');
  block.write(octal(fields.size, 12), 124, 'ascii');
  block.write(octal(fields.mtime, 12), 136, 'ascii');
  block.write('        ', 148, 'ascii');
  block.write(fields.typeFlag, 156, 'ascii');
  block.write(fields.linkName, 157, 100, 'utf8');
  block.write('ustar\0' + '00', 257, 'ascii');
  block.write(octal(0, 8), 329, 'ascii');
  block.write(octal(0, 8), 337, 'ascii');
  block.write(fields.prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return block;
}

const padding = (size: number) => Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK);

/** The header blocks of one entry: a pax header first when its path or link target is too long. */
export function entryHeader(entry: TarEntry, mtime: number): Buffer {
  const path = entry.type === 'dir' && !entry.path.endsWith('/') ? `${entry.path}/` : entry.path;
  const linkName = entry.type === 'symlink' || entry.type === 'hardlink' ? entry.target : '';
  const split = ustarSplit(path);
  const longLink = Buffer.byteLength(linkName) > 100;
  const common = {
    mode: entry.type === 'symlink' ? 0o777 : entry.mode & 0o7777,
    uid: entry.uid,
    gid: entry.gid,
    mtime,
  };
  const blocks: Buffer[] = [];
  if (!split || longLink) {
    const records = (split ? '' : paxRecord('path', path)) + (longLink ? paxRecord('linkpath', linkName) : '');
    const body = Buffer.from(records, 'utf8');
    const paxName = `PaxHeaders/${path.replace(/\/$/, '').split('/').at(-1)?.slice(0, 80) ?? ''}`;
    blocks.push(
      headerBlock({ ...common, name: paxName, prefix: '', size: body.length, typeFlag: 'x', linkName: '' }),
      body,
      padding(body.length),
    );
  }
  const { prefix, name } = split ?? { prefix: '', name: path.slice(0, 100) };
  blocks.push(
    headerBlock({
      ...common,
      name,
      prefix,
      size: entry.type === 'file' ? entry.size : 0,
      typeFlag: typeFlags[entry.type],
      linkName: longLink ? linkName.slice(0, 100) : linkName,
    }),
  );
  return Buffer.concat(blocks);
}

async function* fileContents(entry: Extract<TarEntry, { type: 'file' }>): AsyncGenerator<Buffer> {
  if (Buffer.isBuffer(entry.source)) {
    if (entry.source.length !== entry.size)
      throw new Error(`${entry.path}: ${entry.source.length} bytes, not ${entry.size}`);
    yield entry.source;
    return;
  }
  let read = 0;
  for await (const chunk of createReadStream(entry.source)) {
    read += (chunk as Buffer).length;
    yield chunk as Buffer;
  }
  if (read !== entry.size)
    throw new Error(`${entry.source} changed while it was archived (${read} bytes, not ${entry.size})`);
}

/** The archive's bytes, in the order of `entries`, closed by the two zero blocks tar expects. */
export async function* tarStream(entries: Iterable<TarEntry>, mtime: number): AsyncGenerator<Buffer> {
  for (const entry of entries) {
    yield entryHeader(entry, mtime);
    if (entry.type === 'file') {
      yield* fileContents(entry);
      yield padding(entry.size);
    }
  }
  yield Buffer.alloc(2 * BLOCK);
}
