import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generatedFile, generateTypes, openApiSchema, readCrd, render } from './schema-to-typescript.ts';

describe('CRD schemas and TypeScript types', () => {
  it('types.generated.ts is what the CRDs generate (run node operator/api/schema-to-typescript.ts)', () => {
    expect(readFileSync(generatedFile, 'utf8')).toBe(generateTypes());
  });

  it("a ModelRelease's retrain template has the same fields as a TrainingRun spec, minus model and dataset", () => {
    const runSpec = openApiSchema('trainingruns.reco.mlops.dev.yaml').properties!.spec!;
    const template = openApiSchema('modelreleases.reco.mlops.dev.yaml').properties!.spec!.properties!.retrain!.properties!.template!;
    const { model: _model, dataset: _dataset, ...runFields } = runSpec.properties!;
    expect(Object.keys(template.properties!).sort()).toEqual(Object.keys(runFields).sort());
    const shape = (schema: Parameters<typeof render>[0]) => render(schema).replace(/^\s*\/\*\*.*\*\/\n/gm, '');
    for (const [name, schema] of Object.entries(runFields)) expect(shape(template.properties![name]!), name).toBe(shape(schema));
  });

  it('names the resources as the API conventions and kubectl users expect', () => {
    const run = readCrd('trainingruns.reco.mlops.dev.yaml');
    const release = readCrd('modelreleases.reco.mlops.dev.yaml');
    expect(run.spec.names).toMatchObject({ kind: 'TrainingRun', shortNames: ['tr'], categories: ['reco'] });
    expect(release.spec.names).toMatchObject({ kind: 'ModelRelease', shortNames: ['mrel'], categories: ['reco'] });
    const columns = (crd: typeof run) => crd.spec.versions[0]!.additionalPrinterColumns!.map((c) => c.name);
    expect(columns(run)).toEqual(['Model', 'Phase', 'RMSE', 'MAE', 'Age']);
    expect(columns(release)).toEqual(['Champion', 'RMSE', 'Ready', 'URL', 'Age']);
    for (const crd of [run, release]) expect(crd.spec.versions[0]!.subresources?.status).toBeDefined();
  });

  it('documents ndcgAt10 as the default promotion metric', () => {
    const metric = openApiSchema('modelreleases.reco.mlops.dev.yaml').properties!.spec!.properties!.promotion!.properties!.metric!;
    expect(metric._default).toBe('ndcgAt10');
    expect(metric.description).toMatch(/ndcgAt10/);
  });
});
