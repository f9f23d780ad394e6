import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseSchedule } from '../modelrelease/cron.ts';
import {
  crdFiles,
  generatedFile,
  generateTypes,
  type JsonSchema,
  openApiSchema,
  readCrd,
  render,
} from './schema-to-typescript.ts';

describe('CRD schemas and TypeScript types', () => {
  it('types.generated.ts is what the CRDs generate (run node operator/api/schema-to-typescript.ts)', () => {
    expect(readFileSync(generatedFile, 'utf8')).toBe(generateTypes());
  });

  it("a ModelRelease's retrain template has the same fields as a TrainingRun spec, minus model and dataset", () => {
    const runSpec = openApiSchema('trainingruns.reco.mlops.dev.yaml').properties!.spec!;
    const template = openApiSchema('modelreleases.reco.mlops.dev.yaml').properties!.spec!.properties!.retrain!
      .properties!.template!;
    const { model: _model, dataset: _dataset, ...runFields } = runSpec.properties!;
    expect(Object.keys(template.properties!).sort()).toEqual(Object.keys(runFields).sort());
    // Rendered with descriptions: kubectl explain tells the same of a field in both places.
    for (const [name, schema] of Object.entries(runFields))
      expect(render(template.properties![name]!), name).toBe(render(schema));
  });

  it('names the resources as the API conventions and kubectl users expect', () => {
    const run = readCrd('trainingruns.reco.mlops.dev.yaml');
    const release = readCrd('modelreleases.reco.mlops.dev.yaml');
    // `tr` is Tekton's TaskRun: a short name of a well-known CRD would make `kubectl get tr` ambiguous.
    expect(run.spec.names).toMatchObject({ kind: 'TrainingRun', shortNames: ['trun'], categories: ['reco'] });
    expect(release.spec.names).toMatchObject({ kind: 'ModelRelease', shortNames: ['mrel'], categories: ['reco'] });
    const columns = (crd: typeof run) => crd.spec.versions[0]!.additionalPrinterColumns!.map((c) => c.name);
    expect(columns(run)).toEqual([
      'Model',
      'Phase',
      'NDCG@10',
      'RMSE',
      'Ranking',
      'Trials',
      'Best',
      'MAE',
      'Reason',
      'Age',
    ]);
    expect(columns(release)).toEqual(['Champion', 'NDCG@10', 'Ready', 'Reason', 'Pods', 'RMSE', 'URL', 'Age']);
    for (const crd of [run, release]) expect(crd.spec.versions[0]!.subresources?.status).toBeDefined();
  });

  it('describes every spec and status field for kubectl explain', () => {
    // An array's item object is explained by the array field's own description.
    const fields = (schema: JsonSchema, path: string): string[] => [
      ...Object.entries(schema.properties ?? {}).flatMap(([name, child]) => undescribed(child, `${path}.${name}`)),
      ...(schema.items ? fields(schema.items as JsonSchema, `${path}[]`) : []),
    ];
    const undescribed = (schema: JsonSchema, path: string): string[] => [
      ...(schema.description ? [] : [path]),
      ...fields(schema, path),
    ];
    for (const file of crdFiles) {
      const { spec, status } = openApiSchema(file).properties!;
      expect({ file, undescribed: [...undescribed(spec!, 'spec'), ...undescribed(status!, 'status')] }).toEqual({
        file,
        undescribed: [],
      });
    }
  });

  it('documents ndcgAt10 as the default promotion metric', () => {
    const metric = openApiSchema('modelreleases.reco.mlops.dev.yaml').properties!.spec!.properties!.promotion!
      .properties!.metric!;
    expect(metric._default).toBe('ndcgAt10');
    expect(metric.description).toMatch(/ndcgAt10/);
  });

  it("admits exactly the retrain schedules the operator's cron parser accepts", () => {
    const schedule = openApiSchema('modelreleases.reco.mlops.dev.yaml').properties!.spec!.properties!.retrain!
      .properties!.schedule!;
    const shape = new RegExp(schedule.pattern!);
    // The per-field CEL rules are `... || fields[i].matches("(?i)<RE2>")`: the RE2 here is also a JS regex.
    const fieldRules = schedule
      .x_kubernetes_validations!.map((v) => /\[(\d)\]\.matches\("\(\?i\)(.*)"\)$/.exec(v.rule))
      .filter((m) => m !== null);
    expect(fieldRules).toHaveLength(5);
    const parses = (text: string) => {
      try {
        parseSchedule(text);
        return true;
      } catch {
        return false;
      }
    };
    // A tab between fields is refused by the pattern, though the parser would read it.
    const parsesAs = (text: string) => !text.includes('\t') && parses(text);
    const admitted = (text: string) => {
      const fields = text.split(' ').filter((f) => f !== '');
      return (
        shape.test(text) &&
        fields.length === 5 &&
        fieldRules.every((m) => new RegExp(m[2]!, 'i').test(fields[Number(m[1])]!))
      );
    };
    const samples = [
      '0 3 * * *',
      '*/15 * * * *',
      '0 0-23/2 * * MON-FRI',
      '30 4 1,15 jan,jul sun',
      '0 3 * * 7',
      '5 0 31 * *',
      '59 23 31 12 6',
      '0 0 1 1 0',
      '0 3 * * Mon',
      '1-5/2,7 * * * *',
      '5/10 * * * *',
      '00 03 01 01 00',
      '61 * * * *',
      '0 24 * * *',
      '0 3 0 * *',
      '0 3 32 * *',
      '0 3 * 13 *',
      '0 3 * 0 *',
      '0 3 * * 8',
      '*/0 * * * *',
      '0 3 * * MOX',
      '0 3 * foo *',
      '0 3 * *',
      '0 3 * * * *',
      '@daily',
      '0 3 * * MON;reboot',
      '- * * * *',
      '0,,1 * * * *',
      '0 3 * * sun-',
      '1- * * * *',
      '0\t3 * * *',
      '0  3 * * *',
    ];
    for (const text of samples) expect({ text, admitted: admitted(text) }).toEqual({ text, admitted: parsesAs(text) });
  });
});
