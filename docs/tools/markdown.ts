/** Small Markdown writers shared by the docs generators and the docs tests. */

/** A table cell: one line, pipes escaped. */
export function cell(text: string): string {
  return text.replace(/\s+/g, ' ').trim().replace(/\|/g, '\\|');
}

/** Text from a schema as Markdown prose: `<name>` stays visible instead of being read as an HTML tag. */
export function prose(text: string): string {
  return text.replace(/</g, '&lt;');
}

export function table(headers: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n');
}

/** The anchor GitHub gives a heading: lower case, punctuation dropped, spaces as hyphens. */
export function headingAnchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** The anchors of every ATX heading (`#` to `######`) of a Markdown document, outside code fences. */
export function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    const heading = fenced ? null : /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (heading) anchors.add(headingAnchor(heading[1]!));
  }
  return anchors;
}

/** The limits a JSON schema node puts on a value, in words (`1 to 100; at most 200 characters`). */
export function schemaConstraints(schema: Record<string, unknown>): string {
  const parts: string[] = [];
  const count = (n: unknown, noun: string) => `${String(n)} ${noun}${n === 1 ? '' : 's'}`;
  const literal = (value: unknown) => (value === '' ? '`""`' : `\`${String(value)}\``);
  if (Array.isArray(schema.enum)) parts.push(`one of ${schema.enum.map(literal).join(', ')}`);
  if (schema.minimum !== undefined && schema.maximum !== undefined)
    parts.push(`${String(schema.minimum)} to ${String(schema.maximum)}`);
  else if (schema.minimum !== undefined) parts.push(`at least ${String(schema.minimum)}`);
  else if (schema.maximum !== undefined) parts.push(`at most ${String(schema.maximum)}`);
  if (schema.multipleOf !== undefined) parts.push(`multiple of ${String(schema.multipleOf)}`);
  if (schema.minLength !== undefined) parts.push(`at least ${count(schema.minLength, 'character')}`);
  if (schema.maxLength !== undefined) parts.push(`at most ${count(schema.maxLength, 'character')}`);
  if (schema.maxItems !== undefined) parts.push(`at most ${count(schema.maxItems, 'item')}`);
  if (schema.pattern !== undefined) parts.push(`pattern \`${String(schema.pattern)}\``);
  return parts.join('; ');
}
