import { readFileSync } from 'node:fs';
import { loadYaml } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { headingAnchors } from './markdown.ts';

type RuleFile = { groups: { rules: { alert?: string; annotations?: Record<string, string> }[] }[] };

const file = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
const ruleFiles = ['deploy/monitoring/movie-reco.rules.yaml', 'charts/movie-reco/files/movie-reco.rules.yaml'];
const runbooks = file('docs/runbooks.md');
const runbookBaseUrl = loadYaml<{ monitoring: { prometheusRule: { runbookBaseUrl: string } } }>(
  file('charts/movie-reco/values.yaml'),
).monitoring.prometheusRule.runbookBaseUrl;

describe.each(ruleFiles)('%s', (path) => {
  const alerts = loadYaml<RuleFile>(file(path)).groups.flatMap((group) => group.rules.filter((rule) => rule.alert));

  it("gives every alert a runbook_url into docs/runbooks.md, under the chart's default base URL", () => {
    expect(alerts.length).toBeGreaterThan(0);
    for (const alert of alerts)
      expect(alert.annotations?.runbook_url?.slice(0, runbookBaseUrl.length + 1), alert.alert).toBe(
        `${runbookBaseUrl}#`,
      );
  });

  it('points every runbook_url at a heading of docs/runbooks.md', () => {
    const anchors = headingAnchors(runbooks);
    for (const alert of alerts) {
      const anchor = alert.annotations!.runbook_url!.split('#')[1]!;
      expect(anchors, `${alert.alert}: #${anchor}`).toContain(anchor);
    }
  });

  it('has a runbook section for each of its alerts and none for an alert it lacks', () => {
    const sections = [...runbooks.matchAll(/^## (MovieReco\w+)\s*$/gm)].map((m) => m[1]).sort();
    expect(sections).toEqual(alerts.map((alert) => alert.alert).sort());
  });
});
