/**
 * Renders the TypeScript types of the custom resources from their CRD schemas, so that the types
 * follow the YAML instead of being copied by hand. `node operator/api/schema-to-typescript.ts`
 * rewrites types.generated.ts; a unit test fails when the file and the CRDs disagree.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadYaml, type V1CustomResourceDefinition, type V1JSONSchemaProps } from '@kubernetes/client-node';

// loadYaml returns client-node's typed models (enum is `_enum`, x-kubernetes-* are `x_kubernetes_*`).
export type JsonSchema = V1JSONSchemaProps;

export const crdFiles = ['trainingruns.reco.mlops.dev.yaml', 'modelreleases.reco.mlops.dev.yaml'];
const crdDir = fileURLToPath(new URL('../../deploy/crds/', import.meta.url));
const generatedFile = fileURLToPath(new URL('./types.generated.ts', import.meta.url));

export function readCrd(file: string): V1CustomResourceDefinition {
  return loadYaml<V1CustomResourceDefinition>(readFileSync(crdDir + file, 'utf8'));
}

export function openApiSchema(file: string): JsonSchema {
  const schema = readCrd(file).spec.versions[0]?.schema?.openAPIV3Schema;
  if (!schema) throw new Error(`${file} has no schema`);
  return schema;
}

export function render(schema: JsonSchema, indent = ''): string {
  // Below additionalProperties client-node keeps the raw YAML keys, so accept both spellings.
  const raw = schema as Record<string, unknown>;
  if (schema.x_kubernetes_int_or_string || raw['x-kubernetes-int-or-string']) return 'number | string';
  if (schema._enum) return schema._enum.map((value) => JSON.stringify(value)).join(' | ');
  switch (schema.type) {
    case 'string':
      return 'string';
    case 'integer':
    case 'number':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'array':
      return `Array<${schema.items ? render(schema.items, indent) : 'unknown'}>`;
    case 'object':
      if (schema.properties) return renderProperties(schema, indent);
      if (typeof schema.additionalProperties === 'object')
        return `Record<string, ${render(schema.additionalProperties as JsonSchema, indent)}>`;
      return 'Record<string, unknown>';
    default:
      return 'unknown';
  }
}

function renderProperties(schema: JsonSchema, indent: string): string {
  const inner = `${indent}  `;
  const lines = Object.entries(schema.properties ?? {}).map(([name, property]) => {
    const optional = schema.required?.includes(name) ? '' : '?';
    const doc = property.description ? `${inner}/** ${property.description.replace(/\s+/g, ' ').trim()} */\n` : '';
    return `${doc}${inner}${name}${optional}: ${render(property, inner)};`;
  });
  return `{\n${lines.join('\n')}\n${indent}}`;
}

export function generateTypes(): string {
  const parts = [
    '// Generated from deploy/crds/*.yaml by operator/api/schema-to-typescript.ts. Do not edit by hand;',
    '// change the CRD, then run: node operator/api/schema-to-typescript.ts',
    '',
  ];
  for (const file of crdFiles) {
    const kind = readCrd(file).spec.names.kind;
    const root = openApiSchema(file).properties ?? {};
    for (const part of ['spec', 'status'] as const) {
      const schema = root[part];
      if (!schema) continue;
      parts.push(`export type ${kind}${part === 'spec' ? 'Spec' : 'Status'} = ${render(schema, '')};`, '');
    }
  }
  return parts.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(generatedFile, generateTypes());
}

export { generatedFile };
