/**
 * The Models view's hyperparameter searches: each search's trials with the values they tried, how
 * they ended and their objective on the validation slice, the best one marked.
 */
import type { HyperparameterSearch, TrainingRun } from './api.ts';
import { fixed, h, shortWhen } from './dom.ts';

type Trial = HyperparameterSearch['trials'][number];

const OBJECTIVES: Record<string, string> = {
  validationRmse: 'validation RMSE',
  validationNdcgAt10: 'validation NDCG@10',
};
const PARAMETERS: Record<string, string> = { learningRate: 'lr', regularization: 'reg' };

export function stateText(trial: Trial): string {
  if (trial.state === 'Succeeded') return 'completed';
  if (trial.state === 'Stopped')
    return `stopped early${trial.stoppedAtEpoch !== null ? ` after epoch ${trial.stoppedAtEpoch}` : ''}`;
  return 'failed';
}

export function searchesSection(searches: HyperparameterSearch[], runById: Map<string, TrainingRun>): HTMLElement {
  return h(
    'section',
    { 'aria-labelledby': 'searches-h' },
    h('h2', { id: 'searches-h' }, `Hyperparameter searches (${searches.length})`),
    h(
      'p',
      { class: 'muted' },
      'Each TrainingRun with spec.search trains trials of its algorithm with other values, measures each ' +
        'on the validation slice, and takes the best trial’s model as its result. Their runs are listed here, ' +
        'not among the training runs above.',
    ),
    ...searches.map((search) => searchTable(search, runById)),
  );
}

function searchTable(search: HyperparameterSearch, runById: Map<string, TrainingRun>): HTMLElement {
  const keys = [...new Set(search.trials.flatMap((trial) => Object.keys(trial.parameters)))].sort();
  const objective = search.objective;
  const objectiveLabel = objective ? (OBJECTIVES[objective.metric] ?? objective.metric) : 'objective';
  const ended = search.trials.filter((trial) => trial.state !== 'Failed').length;
  const trials = `${search.trials.length} trial${search.trials.length === 1 ? '' : 's'}`;
  const summary = [
    `${trials} recorded, started ${shortWhen(search.startedAt)}`,
    objective ? `${objectiveLabel}, ${objective.direction === 'minimize' ? 'lower' : 'higher'} is better` : null,
    search.best !== null ? `best: trial ${search.best}` : ended > 0 ? 'no trial measured the objective' : null,
  ].filter((part) => part !== null);
  const headingId = `search-${search.searchRunId.replace(/[^A-Za-z0-9-]/g, '-')}`;
  return h(
    'div',
    { class: 'search' },
    h('h3', { id: headingId }, 'Search ', h('span', { class: 'search-run' }, search.searchRunId)),
    h('p', { class: 'muted' }, `${summary.join('; ')}.`),
    h(
      'div',
      { class: 'scroll' },
      h(
        'table',
        { class: 'trials', 'aria-labelledby': headingId },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            h('th', { scope: 'col' }, 'Trial'),
            h('th', { scope: 'col' }, 'State'),
            ...keys.map((key) => h('th', { scope: 'col', title: `parameter ${key}` }, PARAMETERS[key] ?? key)),
            h('th', { scope: 'col' }, objectiveLabel),
            h('th', { scope: 'col', title: 'on the test split, as every run' }, 'Test RMSE'),
          ),
        ),
        h(
          'tbody',
          {},
          ...search.trials.map((trial) => {
            const best = trial.index === search.best;
            const run = runById.get(trial.runId);
            return h(
              'tr',
              { class: best ? 'best-trial' : null },
              h(
                'th',
                { scope: 'row' },
                `trial ${trial.index}`,
                best ? h('span', { class: 'badge best', title: 'the best trial: the run’s result' }, 'best') : null,
              ),
              h('td', { class: `state ${trial.state.toLowerCase()}` }, stateText(trial)),
              ...keys.map((key) => {
                const value = trial.parameters[key];
                return h(
                  'td',
                  { class: typeof value === 'number' ? 'num' : null },
                  value === undefined ? '–' : String(value),
                );
              }),
              h('td', { class: `num${best ? ' best' : ''}` }, fixed(trial.objectiveValue)),
              h('td', { class: 'num' }, fixed(run?.metrics.rmse)),
            );
          }),
        ),
      ),
    ),
  );
}
