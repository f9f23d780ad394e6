/**
 * Renders docs/crd-reference.md from the CRD schemas in deploy/crds/ (the chart's crds/ are checked
 * copies). `npm run docs:crds` rewrites the file; crd-reference.test.ts fails when it drifts.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { V1CustomResourceDefinition } from '@kubernetes/client-node';
import { crdFiles, type JsonSchema, readCrd } from '../../operator/api/schema-to-typescript.ts';
import { cell, prose, schemaConstraints, table } from './markdown.ts';

export const crdReferenceFile = fileURLToPath(new URL('../crd-reference.md', import.meta.url));

type Schema = JsonSchema & Record<string, unknown>;

/**
 * A keyword of a schema node. client-node's models rename some (`enum` is `_enum`, `x-kubernetes-*`
 * are `x_kubernetes_*`) but keep the YAML's keys below `items` and `additionalProperties`.
 */
function keyword<T>(
  schema: Schema,
  key: 'enum' | 'default' | 'x-kubernetes-validations' | 'x-kubernetes-int-or-string',
) {
  const modelKey = key.startsWith('x-') ? key.replace(/-/g, '_') : `_${key}`;
  return (schema[key] ?? schema[modelKey]) as T | undefined;
}

function rules(schema: Schema): string[] {
  const validations = keyword<{ message?: string }[]>(schema, 'x-kubernetes-validations') ?? [];
  return validations.flatMap((rule) => (rule.message ? [prose(rule.message)] : []));
}

interface FieldRow {
  path: string;
  schema: Schema;
  required: boolean;
}

function fieldRows(schema: Schema, path: string, required: boolean, rows: FieldRow[]): FieldRow[] {
  rows.push({ path, schema, required });
  for (const [name, child] of Object.entries(schema.properties ?? {}))
    fieldRows(child as Schema, `${path}.${name}`, schema.required?.includes(name) ?? false, rows);
  if (schema.type === 'array' && schema.items) {
    const items = schema.items as Schema;
    for (const [name, child] of Object.entries(items.properties ?? {}))
      fieldRows(child as Schema, `${path}[].${name}`, items.required?.includes(name) ?? false, rows);
  }
  return rows;
}

function typeName(schema: Schema): string {
  if (keyword<boolean>(schema, 'x-kubernetes-int-or-string')) return 'int-or-string';
  const format = schema.format ? ` (${schema.format})` : '';
  switch (schema.type) {
    case 'array':
      return `${schema.items ? typeName(schema.items as Schema) : 'any'}[]`;
    case 'object':
      if (!schema.properties && typeof schema.additionalProperties === 'object')
        return `map[string]${typeName(schema.additionalProperties as Schema)}`;
      return 'object';
    default:
      return `${schema.type ?? 'any'}${format}`;
  }
}

function validation(row: FieldRow): string {
  const limits = schemaConstraints({ ...row.schema, enum: keyword<unknown[]>(row.schema, 'enum') });
  return [...(row.required ? ['required'] : []), ...(limits ? [limits] : []), ...rules(row.schema)].join('; ');
}

function defaultValue(schema: Schema): string {
  const value = keyword<unknown>(schema, 'default');
  return value === undefined ? '' : `\`${JSON.stringify(value)}\``;
}

function fieldTable(rows: FieldRow[]): string {
  return table(
    ['Field', 'Type', 'Default', 'Validation', 'Description'],
    rows.map((row) => [
      `\`${row.path}\``,
      cell(typeName(row.schema)),
      cell(defaultValue(row.schema)),
      cell(validation(row)),
      cell(prose(row.schema.description ?? '')),
    ]),
  );
}

function renderResource(crd: V1CustomResourceDefinition): string {
  const { names, group } = crd.spec;
  const version = crd.spec.versions[0]!;
  const root = version.schema?.openAPIV3Schema as Schema | undefined;
  if (!root) throw new Error(`${crd.metadata?.name}: no openAPIV3Schema`);
  const lines = [
    `## ${names.kind}`,
    '',
    `\`${group}/${version.name}\`, ${crd.spec.scope.toLowerCase()}; plural \`${names.plural}\`` +
      `${names.shortNames?.length ? `, short names ${names.shortNames.map((n) => `\`${n}\``).join(', ')}` : ''}` +
      `${names.categories?.length ? `, categories ${names.categories.map((c) => `\`${c}\``).join(', ')}` : ''}.` +
      `${version.subresources?.status ? ' Status is written through the status subresource.' : ''}`,
    '',
  ];
  const objectRules = rules(root);
  if (objectRules.length) lines.push('Rules on the whole object:', '', ...objectRules.map((m) => `- ${m}`), '');
  const columns = version.additionalPrinterColumns ?? [];
  if (columns.length) {
    lines.push(
      `Columns of \`kubectl get ${names.plural}\`:`,
      '',
      table(
        ['Column', 'Type', 'From', 'Shown'],
        columns.map((c) => [
          cell(c.name),
          cell(c.type),
          `\`${cell(c.jsonPath)}\``,
          c.priority ? '`-o wide`' : 'always',
        ]),
      ),
      '',
    );
  }
  for (const part of ['spec', 'status'] as const) {
    const schema = root.properties?.[part] as Schema | undefined;
    if (!schema) continue;
    lines.push(`### ${names.kind} ${part}`, '');
    if (schema.description) lines.push(prose(schema.description), '');
    const rows = fieldRows(schema, part, root.required?.includes(part) ?? false, []).slice(1);
    lines.push(fieldTable(rows), '');
    const partRules = validation({ path: part, schema, required: false });
    if (partRules) lines.push(`Rules on \`${part}\`: ${partRules}.`, '');
  }
  return lines.join('\n');
}

export function renderCrdReference(): string {
  const crds = crdFiles.map(readCrd);
  const contents = crds.map((crd) => `- [${crd.spec.names.kind}](#${crd.spec.names.kind.toLowerCase()})`);
  return [
    '# CRD reference',
    '',
    '<!-- Generated from deploy/crds/ by docs/tools/crd-reference.ts: run `npm run docs:crds`, do not edit. -->',
    '',
    'The custom resources of movie-reco, as their CRD schemas define them (`deploy/crds/`; the Helm chart',
    'ships identical copies in `charts/movie-reco/crds/`). The API server applies the defaults and refuses',
    'a resource that breaks a rule, with the message given here. `kubectl explain trainingrun.spec` shows',
    'the same descriptions.',
    '',
    ...contents,
    '',
    ...crds.map(renderResource),
  ]
    .join('\n')
    .replace(/\n+$/, '\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(crdReferenceFile, renderCrdReference());
  process.stdout.write(`wrote ${crdReferenceFile}\n`);
}
