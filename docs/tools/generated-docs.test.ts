import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { openApiDocument } from '../../inference/openapi.ts';
import { crdReferenceFile, renderCrdReference } from './crd-reference.ts';
import { httpApiFile, renderHttpApi } from './http-api.ts';
import { headingAnchor, headingAnchors } from './markdown.ts';

/** Every `](#anchor)` link of a Markdown document whose heading is missing. */
function brokenLinks(markdown: string): string[] {
  const anchors = headingAnchors(markdown);
  return [...markdown.matchAll(/\]\(#([^)]+)\)/g)].map((m) => m[1]!).filter((anchor) => !anchors.has(anchor));
}

describe('docs/crd-reference.md', () => {
  it('is what the CRDs generate (run npm run docs:crds)', () => {
    expect(readFileSync(crdReferenceFile, 'utf8')).toBe(renderCrdReference());
  });

  it('reads enums and defaults where client-node renames them and below items, where it does not', () => {
    const reference = renderCrdReference();
    expect(reference).toMatch(/\| `spec.algorithm.name` \| string \| `"blend"` \| one of `blend`, `svdpp`, `svd` \|/);
    expect(reference).toMatch(/\| `status.conditions\[\].status` \| string \| {2}\| required; one of `True`, `False`/);
    expect(reference).toMatch(/`spec.resources.requests` \| map\[string\]int-or-string \|/);
  });

  it('has no link to a missing heading', () => {
    expect(brokenLinks(renderCrdReference())).toEqual([]);
  });
});

describe('docs/http-api.md', () => {
  it('is what inference/openapi.ts generates (run npm run docs:api)', () => {
    expect(readFileSync(httpApiFile, 'utf8')).toBe(renderHttpApi());
  });

  it('has a section for every operation of the OpenAPI document and no link to a missing heading', () => {
    const markdown = renderHttpApi();
    const anchors = headingAnchors(markdown);
    for (const [path, item] of Object.entries(openApiDocument.paths))
      for (const method of Object.keys(item))
        expect(anchors, `${method} ${path}`).toContain(headingAnchor(`${method} ${path}`));
    expect(brokenLinks(markdown)).toEqual([]);
  });

  it('resolves $refs, spells out nullable types and inline compositions, and lists nested fields', () => {
    const markdown = renderHttpApi({
      openapi: '3.1.0',
      info: { title: 't', version: '1' },
      paths: {
        '/things/{id}': {
          put: {
            summary: 'Replace a thing',
            parameters: [{ $ref: '#/components/parameters/Id' }],
            requestBody: { $ref: '#/components/requestBodies/Thing' },
            responses: {
              200: {
                description: 'Stored',
                content: {
                  'application/json': {
                    schema: {
                      allOf: [{ $ref: '#/components/schemas/Thing' }, { properties: { id: { type: 'integer' } } }],
                    },
                  },
                },
              },
              404: { $ref: '#/components/responses/Missing' },
            },
          },
        },
      },
      components: {
        parameters: { Id: { name: 'id', in: 'path', required: true, schema: { type: 'integer', minimum: 1 } } },
        requestBodies: {
          Thing: {
            required: true,
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Thing' } } },
          },
        },
        responses: { Missing: { description: 'No such thing' } },
        schemas: {
          Thing: {
            type: 'object',
            required: ['tags'],
            properties: {
              name: { type: ['string', 'null'], maxLength: 1 },
              tags: { type: 'array', items: { type: 'object', properties: { key: { type: 'string' } } } },
            },
          },
        },
      },
    });
    expect(markdown).toContain('### PUT /things/{id}');
    expect(markdown).toContain('| `id` | path | integer | yes | at least 1 |');
    expect(markdown).toContain('Request body (required):\n\n`application/json`: [Thing](#thing)');
    expect(markdown).toContain('| 200 | Stored | application/json: [Thing](#thing) & { id: integer } |');
    expect(markdown).toContain('| 404 | No such thing |  |');
    expect(markdown).toContain('| `name` | string or null |  | at most 1 character |');
    expect(markdown).toContain('| `tags[].key` | string |  |  |');
    expect(brokenLinks(markdown)).toEqual([]);
  });
});
