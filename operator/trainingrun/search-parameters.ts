/**
 * Which values trial i of a hyperparameter search trains with: a pure function of the search spec,
 * the run's seed and the index, so that the operator, a restarted operator and a retried trial pod
 * all compute the same trial.
 */
import { Random } from '../../model/random.ts';
import type { TrainingRunSpec } from '../api/resources.ts';

export type SearchSpec = NonNullable<TrainingRunSpec['search']>;
type NumericRange = NonNullable<SearchSpec['parameters']['factors']>;

/** The order in which parameters are drawn (random) and combined (grid: the last varies fastest). */
export const searchParameters = ['algorithm', 'factors', 'epochs', 'learningRate', 'regularization'] as const;
export type SearchParameter = (typeof searchParameters)[number];
const integerParameters: ReadonlySet<SearchParameter> = new Set(['factors', 'epochs']);

export interface TrialParameters {
  algorithm?: string;
  factors?: number;
  epochs?: number;
  learningRate?: number;
  regularization?: number;
}

function declared(search: SearchSpec): SearchParameter[] {
  return searchParameters.filter((name) => search.parameters[name] !== undefined);
}

function listOf(search: SearchSpec, name: SearchParameter): readonly (number | string)[] | undefined {
  return search.parameters[name]?.values;
}

/** How many trials the search trains: maxTrials, or fewer when a grid has fewer combinations. */
export function trialCount(search: SearchSpec): number {
  if (search.method !== 'grid') return search.maxTrials;
  const combinations = declared(search).reduce((product, name) => product * (listOf(search, name)?.length ?? 1), 1);
  return Math.min(search.maxTrials, combinations);
}

/** Trial `index`'s values of the searched parameters; the run's other algorithm fields apply as they are. */
export function trialParameters(search: SearchSpec, seed: number, index: number): TrialParameters {
  const count = trialCount(search);
  if (!Number.isInteger(index) || index < 0 || index >= count)
    throw new RangeError(`trial index ${index} is outside the search's ${count} trials`);
  return search.method === 'grid' ? gridTrial(search, index) : randomTrial(search, seed, index);
}

function gridTrial(search: SearchSpec, index: number): TrialParameters {
  const trial: Record<string, number | string> = {};
  let rest = index;
  for (const name of declared(search).reverse()) {
    const values = listOf(search, name);
    if (!values) throw new Error(`grid search: ${name} is a range, not a list`);
    trial[name] = values[rest % values.length]!;
    rest = Math.floor(rest / values.length);
  }
  return trial as TrialParameters;
}

/**
 * One draw per declared parameter per trial from a single stream seeded by the run's seed; trial i
 * takes the i-th group of draws, so that no two trials share a draw.
 */
function randomTrial(search: SearchSpec, seed: number, index: number): TrialParameters {
  const random = new Random(seed);
  const names = declared(search);
  let trial: Record<string, number | string> = {};
  for (let i = 0; i <= index; i++) {
    trial = {};
    for (const name of names) trial[name] = draw(random.next(), name, search.parameters[name]!);
  }
  return trial as TrialParameters;
}

function draw(
  u: number,
  name: SearchParameter,
  parameter: { values?: readonly (number | string)[]; min?: number; max?: number; scale?: NumericRange['scale'] },
): number | string {
  if (parameter.values) return parameter.values[Math.floor(u * parameter.values.length)]!;
  const { min = 0, max = 0 } = parameter;
  const log = parameter.scale === 'log';
  if (integerParameters.has(name)) {
    // inclusive of max: draw in [min, max + 1) and floor
    const value = log ? Math.exp(Math.log(min) + u * (Math.log(max + 1) - Math.log(min))) : min + u * (max + 1 - min);
    return Math.min(max, Math.floor(value));
  }
  const value = log ? Math.exp(Math.log(min) + u * (Math.log(max) - Math.log(min))) : min + u * (max - min);
  // four significant digits: what a person would write, and what the status shows
  return Math.min(max, Math.max(min, Number(value.toPrecision(4))));
}
