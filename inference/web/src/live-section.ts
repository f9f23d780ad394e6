/**
 * The Models view's live models: champion and challenger as this pod serves them, each one's
 * online figures (its predictions of the ratings users posted, its hits, errors and answer times)
 * beside its offline figures on the test split.
 */
import type { LiveModel, ModelsInsight, TrainingRun } from './api.ts';
import { count, fixed, h, percent } from './dom.ts';

type Live = ModelsInsight['live'];

/** Worth a section when a challenger takes part or some rating was scored against a live model. */
export function hasLiveFigures(live: Live): boolean {
  return live.mode !== null || live.models.some((model) => model.labels > 0);
}

export function liveSection(live: Live, runById: Map<string, TrainingRun>): HTMLElement {
  const how =
    live.mode === 'shadow'
      ? 'The challenger answers every request in shadow: users see the champion’s answers only.'
      : live.mode === 'canary'
        ? `The challenger serves ${live.sharePercent}% of users (canary), the champion the others.`
        : 'No challenger takes part now.';
  const columns: { label: string; title: string; cell: (model: LiveModel) => string }[] = [
    { label: 'Test RMSE', title: 'offline: on the held-out test split', cell: (m) => offline(m, 'rmse') },
    { label: 'Test NDCG@10', title: 'offline: on the held-out test split', cell: (m) => offline(m, 'ndcgAt10') },
    { label: 'Labels', title: 'posted ratings it predicted before they were known', cell: (m) => count(m.labels) },
    { label: 'Online RMSE', title: 'of its predictions of the posted ratings', cell: (m) => fixed(m.rmse) },
    {
      label: 'Hit rate',
      title: 'share of ratings by users it had served that fell on its top 10 for them',
      cell: (m) => (m.hitRate === null ? '–' : `${percent(m.hitRate)} of ${count(m.servedRatings)}`),
    },
    { label: 'Answers', title: 'recommendations and predictions it computed', cell: (m) => count(m.answers) },
    {
      label: 'Errors',
      title: 'answers it failed to compute',
      cell: (m) => (m.answers > 0 ? `${count(m.errors)} (${percent(m.errors / m.answers, 2)})` : count(m.errors)),
    },
    {
      label: 'p99',
      title: 'answer time, upper bound of its bucket',
      cell: (m) => (m.p99Ms === null ? '–' : `${m.p99Ms} ms`),
    },
  ];
  function offline(model: LiveModel, metric: 'rmse' | 'ndcgAt10'): string {
    return fixed(runById.get(model.run)?.metrics[metric]);
  }
  return h(
    'section',
    { 'aria-labelledby': 'live-h' },
    h('h2', { id: 'live-h' }, 'Live models'),
    h(
      'p',
      { class: 'muted' },
      `${how} Online figures are this pod’s own counts since it started: every posted rating is a label ` +
        'for each live model, scored against the prediction it made before the rating was known.',
    ),
    h(
      'div',
      { class: 'scroll' },
      h(
        'table',
        { class: 'live', 'aria-labelledby': 'live-h' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            h('th', { scope: 'col' }, 'Model'),
            ...columns.map((column) => h('th', { scope: 'col', title: column.title }, column.label)),
          ),
        ),
        h(
          'tbody',
          {},
          ...live.models.map((model) =>
            h(
              'tr',
              { class: model.role === 'champion' ? 'champion-row' : null },
              h('th', { scope: 'row' }, h('span', { class: `badge ${model.role}` }, model.role), ' ', model.run),
              ...columns.map((column) => h('td', { class: 'num' }, column.cell(model))),
            ),
          ),
        ),
      ),
    ),
  );
}
