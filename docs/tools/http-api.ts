/**
 * Renders docs/http-api.md from the OpenAPI document the inference service serves at /openapi.json
 * (the exported object, not its source). `npm run docs:api` rewrites the file; http-api.test.ts fails
 * when it drifts.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { openApiDocument } from '../../inference/openapi.ts';
import { cell, headingAnchor, prose, schemaConstraints, table } from './markdown.ts';

export const httpApiFile = fileURLToPath(new URL('../http-api.md', import.meta.url));

type Json = Record<string, unknown>;
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;

function asObject(value: unknown): Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : {};
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** A `$ref` resolved within the document, any depth (`#/components/responses/Error`). */
function resolve(document: Json, value: unknown): Json {
  const ref = asObject(value).$ref;
  if (typeof ref !== 'string') return asObject(value);
  const target = ref
    .replace(/^#\//, '')
    .split('/')
    .reduce<unknown>((node, key) => asObject(node)[key.replace(/~1/g, '/').replace(/~0/g, '~')], document);
  if (target === undefined) throw new Error(`unresolved $ref ${ref}`);
  return resolve(document, target);
}

function schemaName(ref: string): string | undefined {
  return /^#\/components\/schemas\/(.+)$/.exec(ref)?.[1];
}

/** A schema as a one-line type: component schemas by name (linked), inline objects as `object`. */
function typeOf(schema: Json): string {
  if (typeof schema.$ref === 'string') {
    const name = schemaName(schema.$ref);
    return name ? `[${name}](#${headingAnchor(name)})` : schema.$ref;
  }
  for (const [key, joiner] of [
    ['allOf', ' & '],
    ['oneOf', ' or '],
    ['anyOf', ' or '],
  ] as const) {
    const parts = list(schema[key]);
    if (parts.length) return parts.map((part) => inlineType(asObject(part))).join(joiner);
  }
  if (schema.const !== undefined) return `\`${JSON.stringify(schema.const)}\``;
  const types = Array.isArray(schema.type) ? (schema.type as string[]) : schema.type ? [String(schema.type)] : [];
  if (types.length === 0) return schema.properties ? 'object' : 'any';
  return types
    .map((type) => {
      if (type === 'array') return `${schema.items ? typeOf(asObject(schema.items)) : 'any'}[]`;
      if (type === 'object' && !schema.properties && typeof schema.additionalProperties === 'object')
        return `map of ${typeOf(asObject(schema.additionalProperties))}`;
      return schema.format && type !== 'null' ? `${type} (${String(schema.format)})` : type;
    })
    .join(' or ');
}

/** A part of a composition: an inline object spelled out, since no table lists its fields. */
function inlineType(schema: Json): string {
  if (schema.$ref || !schema.properties) return typeOf(schema);
  const fields = Object.entries(asObject(schema.properties)).map(
    ([name, value]) => `${name}: ${typeOf(asObject(value))}`,
  );
  return `{ ${fields.join(', ')} }`;
}

function constraints(schema: Json): string {
  const limits = schemaConstraints(schema);
  const fallback = schema.default === undefined ? [] : [`default \`${JSON.stringify(schema.default)}\``];
  return [...(limits ? [limits] : []), ...fallback].join('; ');
}

/** The element schema whose fields a table lists: an array's items, an object itself. */
function fieldsOf(schema: Json): Json {
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  return types.includes('array') && !schema.properties ? asObject(schema.items) : schema;
}

/** Rows of every field of an inline object, nested fields with dotted names. */
function fieldRows(schema: Json, prefix = ''): string[][] {
  const object = fieldsOf(schema);
  const required = list(object.required);
  return Object.entries(asObject(object.properties)).flatMap(([name, value]) => {
    const field = asObject(value);
    const path = `${prefix}${name}`;
    const row = [
      `\`${path}\``,
      cell(typeOf(field)),
      required.includes(name) ? 'yes' : '',
      cell(prose([constraints(field), String(field.description ?? '')].filter(Boolean).join('. '))),
    ];
    const nested = field.$ref ? {} : fieldsOf(field);
    const isArray = fieldsOf(field) !== field;
    return [row, ...(nested.properties ? fieldRows(nested, `${path}${isArray ? '[]' : ''}.`) : [])];
  });
}

function fieldTable(schema: Json): string[] {
  const rows = fieldRows(schema);
  return rows.length ? [table(['Field', 'Type', 'Required', 'Notes'], rows), ''] : [];
}

function contentLines(content: unknown): string[] {
  return Object.entries(asObject(content)).flatMap(([mediaType, media]) => {
    const schema = asObject(asObject(media).schema);
    if (Object.keys(schema).length === 0) return [`\`${mediaType}\``, ''];
    const inline = schema.$ref ? [] : fieldTable(schema);
    return [`\`${mediaType}\`: ${typeOf(schema)}`, '', ...inline];
  });
}

function security(document: Json, operation: Json): string {
  const requirements = list(operation.security ?? document.security);
  if (requirements.length === 0) return 'none';
  return requirements
    .map((requirement) =>
      Object.keys(asObject(requirement))
        .map((name) => {
          const scheme = asObject(asObject(asObject(document.components).securitySchemes)[name]);
          return scheme.scheme ? `HTTP ${String(scheme.scheme)}` : name;
        })
        .join(' and '),
    )
    .join(' or ');
}

function renderOperation(document: Json, method: string, path: string, operation: Json): string[] {
  const lines = [`### ${method.toUpperCase()} ${path}`, ''];
  if (operation.summary) lines.push(`${prose(String(operation.summary))}.`, '');
  if (operation.description) lines.push(prose(String(operation.description)), '');
  lines.push(`Credentials: ${security(document, operation)}.`, '');
  const parameters = list(operation.parameters).map((parameter) => resolve(document, parameter));
  if (parameters.length) {
    lines.push(
      table(
        ['Parameter', 'In', 'Type', 'Required', 'Notes'],
        parameters.map((parameter) => {
          const schema = asObject(parameter.schema);
          const notes = [constraints(schema), String(parameter.description ?? '')].filter(Boolean).join('. ');
          return [
            `\`${String(parameter.name)}\``,
            String(parameter.in),
            cell(typeOf(schema)),
            parameter.required ? 'yes' : '',
            cell(prose(notes)),
          ];
        }),
      ),
      '',
    );
  }
  const body = resolve(document, operation.requestBody);
  if (body.content) lines.push(`Request body${body.required ? ' (required)' : ''}:`, '', ...contentLines(body.content));
  const responses = Object.entries(asObject(operation.responses)).map(([status, value]) => {
    const response = resolve(document, value);
    const body = Object.entries(asObject(response.content))
      .map(([mediaType, media]) => {
        const schema = asObject(asObject(media).schema);
        return Object.keys(schema).length ? `${mediaType}: ${typeOf(schema)}` : mediaType;
      })
      .join(', ');
    return [status, cell(prose(String(response.description ?? ''))), cell(body)];
  });
  lines.push(table(['Status', 'Meaning', 'Body'], responses), '');
  for (const [status, value] of Object.entries(asObject(operation.responses))) {
    for (const media of Object.values(asObject(resolve(document, value).content))) {
      const schema = asObject(asObject(media).schema);
      if (Object.keys(schema).length && !schema.$ref && fieldRows(schema).length)
        lines.push(`Response ${status}:`, '', ...fieldTable(schema));
    }
  }
  return lines;
}

export function renderHttpApi(document: Json = openApiDocument as unknown as Json): string {
  const info = asObject(document.info);
  const operations = Object.entries(asObject(document.paths)).flatMap(([path, item]) =>
    METHODS.filter((method) => asObject(item)[method]).map((method) => ({
      path,
      method,
      operation: asObject(asObject(item)[method]),
    })),
  );
  const schemas = Object.entries(asObject(asObject(document.components).schemas));
  const lines = [
    '# HTTP API',
    '',
    '<!-- Generated from inference/openapi.ts by docs/tools/http-api.ts: run `npm run docs:api`, do not edit. -->',
    '',
    `The inference service (\`movie-reco serve\`), ${String(info.title)} API version ${String(info.version)}.`,
    'A running service serves the same description as OpenAPI at `/openapi.json` and renders it at `/docs`.',
    '',
    prose(String(info.description ?? '')),
    '',
    "Credentials come from the `MOVIE_RECO_AUTH_*` settings (on Kubernetes, the ModelRelease's",
    '`spec.serving.authSecretRef`): each scope (read, write, admin) lists `basic:USER:PASSWORD` or',
    '`bearer:TOKEN` entries, and a scope without any is open. See [operating.md](operating.md).',
    '',
    '## Endpoints',
    '',
    table(
      ['Method', 'Path', 'Summary'],
      operations.map(({ path, method, operation }) => [
        method.toUpperCase(),
        `[\`${path}\`](#${headingAnchor(`${method} ${path}`)})`,
        cell(prose(String(operation.summary ?? ''))),
      ]),
    ),
    '',
    ...operations.flatMap(({ path, method, operation }) => renderOperation(document, method, path, operation)),
    '## Schemas',
    '',
    ...schemas.flatMap(([name, value]) => {
      const schema = asObject(value);
      return [
        `### ${name}`,
        '',
        ...(schema.description ? [prose(String(schema.description)), ''] : []),
        ...(fieldRows(schema).length ? fieldTable(schema) : [`${typeOf(schema)}`, '']),
      ];
    }),
  ];
  return `${lines.join('\n').replace(/\n+$/, '')}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(httpApiFile, renderHttpApi());
  process.stdout.write(`wrote ${httpApiFile}\n`);
}
