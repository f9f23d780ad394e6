/** The PromQL a Grafana user would run: every panel query of the shipped dashboard, made concrete. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const dashboardFile = join(import.meta.dirname, '../deploy/monitoring/movie-reco-dashboard.json');

interface Panel {
  title?: string;
  targets?: { expr?: string }[];
  panels?: Panel[];
}

export interface PanelQuery {
  readonly panel: string;
  readonly expr: string;
}

/** Each panel's queries with Grafana's variables replaced: $namespace by a regex, $__rate_interval by a range. */
export function dashboardQueries(namespace: string, rateInterval: string): PanelQuery[] {
  const dashboard = JSON.parse(readFileSync(dashboardFile, 'utf8')) as { panels: Panel[] };
  const queries: PanelQuery[] = [];
  const visit = (panels: Panel[]) => {
    for (const panel of panels) {
      for (const target of panel.targets ?? []) {
        if (!target.expr) continue;
        const expr = target.expr.replaceAll('$namespace', namespace).replaceAll('$__rate_interval', rateInterval);
        queries.push({ panel: panel.title ?? '(untitled)', expr });
      }
      visit(panel.panels ?? []);
    }
  };
  visit(dashboard.panels);
  return queries;
}
