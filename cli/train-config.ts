import { defaultTrainConfig, type TrainConfig } from '../model/train.ts';
import { numberOption } from './options.ts';
import { UsageError } from './usage-error.ts';

export const ALGORITHMS = ['blend', 'svdpp', 'svd'] as const;
export type Algorithm = (typeof ALGORITHMS)[number];

export const trainFlags = {
  algorithm: { type: 'string' },
  factors: { type: 'string' },
  epochs: { type: 'string' },
  lr: { type: 'string' },
  reg: { type: 'string' },
  seed: { type: 'string' },
} as const;

export const trainFlagsHelp = `\
  --algorithm A blend (default): SVD++ blended with item neighbours, co-occurrence ranking;
                svdpp: SVD++ alone; svd: plain biased MF alone (svd and svdpp rank by popularity)
  --factors N   latent factors (default ${defaultTrainConfig.factors.factors})
  --epochs N    train exactly N epochs (default: early stopping, at most ${defaultTrainConfig.factors.epochs})
  --lr X        SGD learning rate of the factors (default ${defaultTrainConfig.factors.learningRate})
  --reg X       L2 regularization of the factors (default ${defaultTrainConfig.factors.regFactor})
  --seed N      random seed (default ${defaultTrainConfig.seed})`;

/** The project's defaults with the flags given; an explicit --epochs turns early stopping off. */
export function trainConfigFromFlags(values: Record<string, string | boolean | undefined>): TrainConfig {
  const base = defaultTrainConfig;
  const factors = numberOption(values, 'factors', { integer: true, min: 1, max: 1024 });
  const epochs = numberOption(values, 'epochs', { integer: true, min: 1, max: 10_000 });
  const lr = numberOption(values, 'lr', { min: 1e-6, max: 1 });
  const reg = numberOption(values, 'reg', { min: 0, max: 100 });
  const seed = numberOption(values, 'seed', { integer: true, min: 0, max: 2 ** 31 - 1 });
  const algorithm = values.algorithm ?? 'blend';
  if (!ALGORITHMS.includes(algorithm as Algorithm)) {
    throw new UsageError(`--algorithm must be one of ${ALGORITHMS.join(', ')}, got ${JSON.stringify(algorithm)}`);
  }
  const alone = algorithm !== 'blend';
  return {
    ...base,
    useNeighbors: !alone,
    // a single model with a fixed epoch count has nothing to choose on a validation slice
    validationFraction: alone && epochs !== undefined ? 0 : base.validationFraction,
    seed: seed ?? base.seed,
    earlyStopping: epochs === undefined,
    factors: {
      ...base.factors,
      factors: factors ?? base.factors.factors,
      epochs: epochs ?? base.factors.epochs,
      learningRate: lr ?? base.factors.learningRate,
      regFactor: reg ?? base.factors.regFactor,
      implicit: algorithm !== 'svd',
    },
  };
}
