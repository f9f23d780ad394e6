/**
 * Models: every training run of a model with its parameters and metrics (sortable), the champion,
 * the live models' online figures beside their offline ones, the hyperparameter searches and their
 * trials, the per-epoch curves of the runs ticked in the table, and every decision of the release
 * gates (promotions, pins, rejections) with its reason.
 */
import {
  api,
  describeError,
  type Epoch,
  type GateDecision,
  type ModelsInsight,
  type Promotion,
  type RunMetrics,
  type TrainingRun,
} from './api.ts';
import { chart, type LineSeries } from './charts.ts';
import { count, fixed, h, notice, shortWhen, uid, when } from './dom.ts';
import { hasLiveFigures, liveSection } from './live-section.ts';
import { searchesSection } from './searches-section.ts';

type MetricKey = keyof RunMetrics;
interface Column {
  key: string;
  label: string;
  title?: string;
  value: (run: TrainingRun) => number | string | null;
  show: (run: TrainingRun) => string;
  /** Metrics: which way is better, to mark the best run. */
  better?: 'low' | 'high';
}

const METRICS: { key: MetricKey; label: string; title: string; better: 'low' | 'high'; digits: number }[] = [
  {
    key: 'rmse',
    label: 'RMSE',
    title: 'root mean squared error of predicted ratings on the held-out split',
    better: 'low',
    digits: 4,
  },
  { key: 'mae', label: 'MAE', title: 'mean absolute error', better: 'low', digits: 4 },
  { key: 'precisionAt10', label: 'P@10', title: 'precision at 10', better: 'high', digits: 4 },
  { key: 'recallAt10', label: 'R@10', title: 'recall at 10', better: 'high', digits: 4 },
  {
    key: 'ndcgAt10',
    label: 'NDCG@10',
    title: 'normalized discounted cumulative gain at 10',
    better: 'high',
    digits: 4,
  },
  {
    key: 'coverage',
    label: 'Coverage',
    title: 'share of the catalogue recommended to someone',
    better: 'high',
    digits: 3,
  },
  { key: 'trainSeconds', label: 'Train s', title: 'training time in seconds', better: 'low', digits: 1 },
];

const PARAM_NAMES: Record<string, string> = {
  'factors.factors': 'factors',
  'factors.epochs': 'max epochs',
  'factors.learningRate': 'lr',
  'factors.regFactor': 'reg',
  'factors.implicit': 'implicit',
  useNeighbors: 'neighbours',
  earlyStopping: 'early stop',
  seed: 'seed',
  testFraction: 'test share',
};
const MAX_PARAM_COLUMNS = 5;
const MAX_CURVES = 8;

/** Scalar leaves of the run's parameters as dotted keys: factors.learningRate = 0.007. */
function flatten(value: unknown, prefix = '', into = new Map<string, string>()): Map<string, string> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, inner] of Object.entries(value)) flatten(inner, prefix ? `${prefix}.${key}` : key, into);
  } else {
    into.set(prefix, typeof value === 'string' ? value : JSON.stringify(value));
  }
  return into;
}

function algorithm(params: Record<string, unknown>): string | null {
  const factors = params.factors as { implicit?: unknown } | undefined;
  if (params.useNeighbors === undefined && factors?.implicit === undefined) return null;
  return params.useNeighbors ? 'blend' : factors?.implicit ? 'svd++' : 'svd';
}

function duration(run: TrainingRun): string {
  if (!run.finishedAt) return '';
  const seconds = (Date.parse(run.finishedAt) - Date.parse(run.startedAt)) / 1000;
  return seconds < 90 ? `${seconds.toFixed(1)} s` : `${(seconds / 60).toFixed(1)} min`;
}

// What the reader chose, kept across visits of the view.
const state = {
  model: undefined as string | undefined,
  shown: '',
  sort: 'startedAt',
  descending: true,
  curves: undefined as Set<string> | undefined,
};
const epochCache = new Map<string, Epoch[]>();

export function modelsView(main: HTMLElement): void {
  const body = h('div', {}, h('p', { class: 'muted' }, 'Loading training runs…'));
  main.append(h('h1', {}, 'Models'), body);
  api.models(state.model).then(
    (insight) => render(body, insight),
    (error) => {
      const { title, text } = describeError(error);
      body.replaceChildren(notice(title, text, (error as { code?: string }).code === 'no_database' ? 'info' : 'error'));
    },
  );
}

function render(body: HTMLElement, insight: ModelsInsight): void {
  const { promotions, decisions, champion, serving, searches, live } = insight;
  // A search's trials are listed with their search, not as runs of their own.
  const trialRuns = new Set(searches.flatMap((search) => search.trials.map((trial) => trial.runId)));
  const runs = insight.runs.filter((run) => !trialRuns.has(run.runId));
  const anyRunById = new Map(insight.runs.map((run) => [run.runId, run]));
  // Another model's runs: start from its champion and latest runs again.
  if (state.shown !== insight.model) {
    state.shown = insight.model ?? '';
    state.curves = undefined;
  }
  const picker = insight.models.length > 1 ? modelPicker(body, insight) : null;
  if (!insight.model || insight.runs.length === 0) {
    body.replaceChildren(
      ...[
        picker,
        notice(
          'No training runs yet.',
          insight.model
            ? `Nothing is recorded for model ${insight.model}.`
            : 'The database holds no training run of any model.',
        ),
      ].filter((n) => n !== null),
    );
    return;
  }
  const succeeded = runs.filter((run) => run.status === 'Succeeded');
  state.curves ??= new Set(
    [champion?.runId, ...succeeded.slice(0, 3).map((run) => run.runId)].filter(
      (id): id is string => !!id && runs.some((run) => run.runId === id),
    ),
  );

  const details = h('section', { class: 'panel', hidden: true, 'aria-live': 'polite' });
  const curves = h('div', {}, h('p', { class: 'muted' }, 'Loading curves…'));
  const table = h('div', { class: 'scroll' });
  const runById = new Map(runs.map((run) => [run.runId, run]));

  // ---- columns: identity, the parameters that differ between runs, metrics ----
  const flat = new Map(runs.map((run) => [run.runId, flatten(run.params)]));
  const keys = [...new Set(runs.flatMap((run) => [...flat.get(run.runId)!.keys()]))];
  const varying = keys.filter((key) => new Set(runs.map((run) => flat.get(run.runId)!.get(key))).size > 1);
  const known = Object.keys(PARAM_NAMES);
  varying.sort((a, b) => (known.indexOf(a) + 1 || 99) - (known.indexOf(b) + 1 || 99) || a.localeCompare(b));
  const columns: Column[] = [
    {
      key: 'startedAt',
      label: 'Started',
      title: 'when the run started (your time zone)',
      value: (r) => r.startedAt,
      show: (r) => shortWhen(r.startedAt),
    },
    {
      key: 'ratings',
      label: 'Ratings',
      title: 'ratings in the run’s snapshot',
      value: (r) => r.dataset?.ratings ?? null,
      show: (r) => (r.dataset ? count(r.dataset.ratings) : '–'),
    },
  ];
  // Status earns a column only when some run did not succeed.
  if (succeeded.length < runs.length)
    columns.unshift({ key: 'status', label: 'Status', value: (r) => r.status, show: (r) => r.status });
  const byAlgorithm = runs.some((run) => algorithm(run.params));
  if (byAlgorithm)
    columns.push({
      key: 'algorithm',
      label: 'Algorithm',
      value: (r) => algorithm(r.params),
      show: (r) => algorithm(r.params) ?? '–',
    });
  if (runs.some((run) => run.rankingModel))
    columns.push({
      key: 'rankingModel',
      label: 'Ranking',
      title: 'the model that ranks recommendations, chosen on the validation slice',
      value: (r) => r.rankingModel,
      show: (r) => r.rankingModel ?? '–',
    });
  // The algorithm column already says what these two switches do.
  const shown = byAlgorithm ? varying.filter((key) => key !== 'useNeighbors' && key !== 'factors.implicit') : varying;
  for (const key of shown.slice(0, MAX_PARAM_COLUMNS)) {
    columns.push({
      key: `param:${key}`,
      label: PARAM_NAMES[key] ?? key,
      title: `parameter ${key}`,
      value: (r) => {
        const raw = flat.get(r.runId)!.get(key);
        return raw !== undefined && raw !== '' && !Number.isNaN(Number(raw)) ? Number(raw) : (raw ?? null);
      },
      show: (r) => flat.get(r.runId)!.get(key) ?? '–',
    });
  }
  for (const metric of METRICS) {
    columns.push({
      key: metric.key,
      label: metric.label,
      title: metric.title,
      better: metric.better,
      value: (r) => r.metrics[metric.key],
      show: (r) => fixed(r.metrics[metric.key], metric.digits),
    });
  }
  const best = new Map<string, number>();
  for (const column of columns) {
    if (!column.better) continue;
    const values = succeeded.map((run) => column.value(run)).filter((v): v is number => typeof v === 'number');
    if (values.length > 1) best.set(column.key, column.better === 'low' ? Math.min(...values) : Math.max(...values));
  }

  const renderTable = () => {
    const sortColumn = columns.find((c) => c.key === state.sort) ?? columns.find((c) => c.key === 'startedAt')!;
    const sorted = [...runs].sort((a, b) => {
      const va = sortColumn.value(a);
      const vb = sortColumn.value(b);
      if (va === null || vb === null) return va === vb ? 0 : va === null ? 1 : -1;
      const order = typeof va === 'number' && typeof vb === 'number' ? va - vb : String(va).localeCompare(String(vb));
      return state.descending ? -order : order;
    });
    const header = (column: Column) => {
      const active = column.key === sortColumn.key;
      return h(
        'th',
        {
          scope: 'col',
          'aria-sort': active ? (state.descending ? 'descending' : 'ascending') : null,
          title: column.title,
        },
        h(
          'button',
          {
            type: 'button',
            class: 'sort',
            onclick: () => {
              state.descending = active ? !state.descending : column.better !== 'low' && column.key !== 'status';
              state.sort = column.key;
              renderTable();
              (table.querySelector(`th[aria-sort] button`) as HTMLElement | null)?.focus();
            },
          },
          column.label,
          h('span', { class: 'arrow', 'aria-hidden': 'true' }, active ? (state.descending ? '▼' : '▲') : ''),
        ),
      );
    };
    table.replaceChildren(
      h(
        'table',
        { class: 'runs' },
        h('caption', { class: 'sr-only' }, `Training runs of ${insight.model}; column headers sort`),
        h(
          'thead',
          {},
          h('tr', {}, h('th', { scope: 'col' }, 'Curve'), h('th', { scope: 'col' }, 'Run'), ...columns.map(header)),
        ),
        h(
          'tbody',
          {},
          ...sorted.map((run) => {
            const box = h('input', {
              type: 'checkbox',
              checked: state.curves!.has(run.runId),
              'aria-label': `Show the training curve of ${run.runId}`,
              onchange: (event: Event) => {
                const on = (event.target as HTMLInputElement).checked;
                if (on && state.curves!.size >= MAX_CURVES) {
                  (event.target as HTMLInputElement).checked = false;
                  return;
                }
                if (on) state.curves!.add(run.runId);
                else state.curves!.delete(run.runId);
                void renderCurves();
              },
            });
            const badges = [
              run.runId === champion?.runId ? h('span', { class: 'badge champion' }, 'champion') : null,
              run.runId === serving?.run ? h('span', { class: 'badge' }, 'serving') : null,
            ];
            return h(
              'tr',
              { class: run.runId === champion?.runId ? 'champion-row' : null },
              h('td', {}, box),
              h(
                'th',
                { scope: 'row' },
                h('button', { type: 'button', class: 'link', onclick: () => showRun(details, run) }, run.runId),
                ...badges,
              ),
              ...columns.map((column) => {
                const value = column.value(run);
                const isBest = best.has(column.key) && value === best.get(column.key) && run.status === 'Succeeded';
                return h(
                  'td',
                  {
                    class: `${typeof value === 'number' ? 'num' : ''}${isBest ? ' best' : ''}`,
                    title: isBest ? 'best of the succeeded runs' : null,
                  },
                  column.show(run),
                );
              }),
            );
          }),
        ),
      ),
    );
  };

  const renderCurves = async () => {
    const selected = [...state.curves!].filter((id) => runById.has(id));
    const missing = selected.filter((id) => !epochCache.has(id));
    try {
      if (missing.length)
        for (const { runId, epochs } of (await api.epochs(missing)).runs) epochCache.set(runId, epochs);
    } catch (error) {
      const { title, text } = describeError(error);
      curves.replaceChildren(notice(title, text, 'error'));
      return;
    }
    if (selected.length === 0) {
      curves.replaceChildren(h('p', { class: 'muted' }, 'Tick runs in the table to compare their training curves.'));
      return;
    }
    const lines: LineSeries[] = [];
    const rows: (string | number)[][] = [];
    selected.forEach((runId, k) => {
      const epochs = epochCache.get(runId) ?? [];
      const validation = epochs
        .filter((e) => e.validationRmse !== null)
        .map((e): [number, number] => [e.epoch, e.validationRmse!]);
      if (validation.length) lines.push({ name: `${runId} · validation`, points: validation, colour: k });
      lines.push({
        name: `${runId} · training`,
        points: epochs.map((e): [number, number] => [e.epoch, e.trainLoss]),
        colour: k,
        dashed: true,
      });
      for (const e of epochs)
        rows.push([runId, e.epoch, fixed(e.trainLoss), fixed(e.validationRmse), e.seconds.toFixed(2)]);
    });
    curves.replaceChildren(
      chart({
        title: 'Training curves.',
        summary:
          `RMSE per epoch of ${selected.length} run${selected.length > 1 ? 's' : ''}: ` +
          'validation solid, training dashed.',
        x: { label: 'epoch', format: (v) => String(v) },
        y: { label: 'RMSE', format: (v) => v.toFixed(2) },
        lines,
        table: { head: ['run', 'epoch', 'training RMSE', 'validation RMSE', 'seconds'], rows },
      }),
    );
  };

  const championRun = champion ? anyRunById.get(champion.runId) : undefined;
  const championCard = champion
    ? h(
        'section',
        { class: 'panel champion-card', 'aria-labelledby': 'champion-h' },
        h('h2', { id: 'champion-h' }, 'Champion: ', h('span', { class: 'run' }, champion.runId)),
        h('p', {}, `Promoted ${when(champion.promotedAt)}: ${champion.reason}.`),
        championRun
          ? h(
              'p',
              { class: 'metrics' },
              ...METRICS.slice(0, 5).map((m) =>
                h('span', {}, h('abbr', { title: m.title }, m.label), ' ', fixed(championRun.metrics[m.key], m.digits)),
              ),
            )
          : null,
        h(
          'p',
          { class: 'muted' },
          serving
            ? serving.run === champion.runId
              ? `This service serves it (${serving.digest.slice(0, 19)}…).`
              : `This service serves ${serving.run}, not the champion: ` +
                'a rollout may be under way, or the release is pinned.'
            : 'This service has no model loaded.',
        ),
      )
    : notice('No champion yet.', `No run of ${insight.model} has been promoted.`);

  body.replaceChildren(
    ...[picker].filter((n) => n !== null),
    championCard,
    ...(hasLiveFigures(live) ? [liveSection(live, anyRunById)] : []),
    h(
      'section',
      { 'aria-labelledby': 'runs-h' },
      h('h2', { id: 'runs-h' }, `Training runs (${runs.length})`),
      table,
      details,
    ),
    ...(searches.length ? [searchesSection(searches, anyRunById)] : []),
    h('section', { 'aria-labelledby': 'curves-h' }, h('h2', { id: 'curves-h' }, 'Training curves'), curves),
    ...(serving ? [similarSection()] : []),
    decisionsSection(mergeDecisions(decisions, promotions)),
  );
  renderTable();
  void renderCurves();
}

/** The most popular movies' similar lists, as the served model answers /v1/movies/:id/similar. */
function similarSection(): HTMLElement {
  const lists = h('div', {}, h('p', { class: 'muted' }, 'Loading similar movies…'));
  const title = (movie: { movieId: number; title: string | null }) => movie.title ?? `movie ${movie.movieId}`;
  void (async () => {
    try {
      const popular = await api.visitorRecommendations([], 5);
      const answers = await Promise.all(popular.recommendations.map((movie) => api.similar(movie.movieId, 5)));
      lists.replaceChildren(
        h(
          'dl',
          {},
          ...answers.flatMap((answer) => [
            h('dt', {}, title({ movieId: answer.movieId, title: answer.title })),
            h('dd', {}, answer.similar.map(title).join(' · ')),
          ]),
        ),
      );
    } catch (error) {
      lists.replaceChildren(notice(describeError(error).title, describeError(error).text, 'error'));
    }
  })();
  return h(
    'section',
    { 'aria-labelledby': 'similar-h' },
    h('h2', { id: 'similar-h' }, 'Similar movies'),
    h(
      'p',
      { class: 'muted' },
      'The served model’s lists for its five most popular movies: ' +
        'precomputed at training from the item-item model that ranks.',
    ),
    lists,
  );
}

function modelPicker(body: HTMLElement, insight: ModelsInsight): HTMLElement {
  const id = uid('model');
  const select = h(
    'select',
    { id },
    ...insight.models.map((m) =>
      h('option', { value: m.model, selected: m.model === insight.model }, `${m.model} (${m.runs} runs)`),
    ),
  );
  select.addEventListener('change', () => {
    state.model = select.value;
    body.replaceChildren(h('p', { class: 'muted' }, 'Loading training runs…'));
    api.models(state.model).then(
      (next) => render(body, next),
      (error) => body.replaceChildren(notice(describeError(error).title, describeError(error).text, 'error')),
    );
  });
  return h('p', { class: 'picker' }, h('label', { for: id }, 'Model '), select);
}

function showRun(details: HTMLElement, run: TrainingRun): void {
  const item = (term: string, value: string | null | undefined) =>
    value ? [h('dt', {}, term), h('dd', {}, value)] : [];
  const headingId = uid('run');
  details.hidden = false;
  details.replaceChildren(
    h(
      'div',
      { class: 'panel-head' },
      h('h3', { id: headingId, tabindex: -1 }, `Run ${run.runId}`),
      h('button', { type: 'button', class: 'quiet', onclick: () => (details.hidden = true) }, 'Close'),
    ),
    h(
      'dl',
      {},
      ...item('status', `${run.status}${run.attempts > 1 ? ` after ${run.attempts} attempts` : ''}`),
      ...item('started', when(run.startedAt)),
      ...item('finished', run.finishedAt ? `${when(run.finishedAt)} (${duration(run)})` : null),
      ...item(
        'snapshot',
        run.snapshot
          ? Object.entries(run.snapshot)
              .map(([k, v]) => `${k} ${v}`)
              .join(', ')
          : null,
      ),
      ...item(
        'data',
        run.dataset
          ? `${count(run.dataset.ratings)} ratings, ${count(run.dataset.users)} users, ` +
              `${count(run.dataset.movies)} movies`
          : null,
      ),
      ...item(
        'artifact',
        run.artifact
          ? `${run.artifact.uri} (${(run.artifact.sizeBytes / 1e6).toFixed(1)} MB, ` +
              `${run.artifact.digest.slice(0, 19)}…)`
          : null,
      ),
      ...item('message', run.message),
    ),
    h('details', {}, h('summary', {}, 'All parameters'), h('pre', {}, JSON.stringify(run.params, null, 2))),
  );
  details.setAttribute('aria-labelledby', headingId);
  (details.querySelector('h3') as HTMLElement).focus();
}

/**
 * The gate decisions, with any promotion the decision log lacks (recorded by something other than
 * the operator, or a write that failed) shown as a promotion at its time: the history stays whole.
 */
function mergeDecisions(decisions: GateDecision[], promotions: Promotion[]): GateDecision[] {
  const promotedRuns = new Set(decisions.filter((d) => d.outcome !== 'Rejected').map((d) => d.runId));
  const missing = promotions
    .filter((p) => !promotedRuns.has(p.runId))
    .map(
      (p): GateDecision => ({
        id: -p.id,
        model: p.model,
        runId: p.runId,
        outcome: 'Promoted',
        reason: p.reason,
        metric: p.metric,
        metricValue: p.metricValue,
        championRunId: p.previousRunId,
        championMetricValue: p.previousMetricValue,
        decidedAt: p.promotedAt,
      }),
    );
  return missing.length
    ? [...decisions, ...missing].sort((a, b) => Date.parse(b.decidedAt) - Date.parse(a.decidedAt))
    : decisions;
}

const OUTCOME_TITLES: Record<GateDecision['outcome'], string> = {
  Promoted: 'passed the gates and became the champion',
  Pinned: 'made the champion by spec.promotion.pinnedRun; the gates do not apply',
  Rejected: 'failed a gate, or did not beat the champion by minImprovement; the champion kept serving',
};

function decisionsSection(decisions: GateDecision[]): HTMLElement {
  const tally = (['Promoted', 'Pinned', 'Rejected'] as const)
    .map((outcome) => [outcome, decisions.filter((d) => d.outcome === outcome).length] as const)
    .filter(([, n]) => n > 0)
    .map(([outcome, n]) => `${n} ${outcome.toLowerCase()}`)
    .join(', ');
  const rows = decisions.map((d) =>
    h(
      'tr',
      {},
      h('td', { class: 'nowrap' }, shortWhen(d.decidedAt)),
      h('th', { scope: 'row' }, d.runId),
      h(
        'td',
        {},
        h('span', { class: `badge outcome ${d.outcome.toLowerCase()}`, title: OUTCOME_TITLES[d.outcome] }, d.outcome),
      ),
      h('td', {}, d.championRunId ? `${d.outcome === 'Rejected' ? 'kept' : 'replaced'} ${d.championRunId}` : '–'),
      h(
        'td',
        { class: 'num' },
        `${d.metric} ${fixed(d.metricValue)}` +
          (d.championMetricValue !== null ? ` (champion ${fixed(d.championMetricValue)})` : ''),
      ),
      h('td', {}, d.reason),
    ),
  );
  return h(
    'section',
    { 'aria-labelledby': 'decisions-h' },
    h('h2', { id: 'decisions-h' }, 'Gate decisions'),
    h(
      'p',
      { class: 'muted' },
      'Every judgement of the release gates, newest first: runs promoted to champion, pinned by hand, ' +
        `or rejected, and why${tally ? ` (${tally})` : ''}.`,
    ),
    decisions.length
      ? h(
          'div',
          { class: 'scroll' },
          h(
            'table',
            { class: 'decisions' },
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                ...['When', 'Run', 'Outcome', 'Champion', 'Metric', 'Reason'].map((t) => h('th', { scope: 'col' }, t)),
              ),
            ),
            h('tbody', {}, ...rows),
          ),
        )
      : h('p', {}, 'No gate decision recorded yet.'),
  );
}
