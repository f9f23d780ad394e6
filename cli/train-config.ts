import { defaultTrainConfig, type TrainConfig } from '../model/train.ts';
import { numberOption } from './options.ts';

export const trainFlags = {
  factors: { type: 'string' },
  epochs: { type: 'string' },
  lr: { type: 'string' },
  reg: { type: 'string' },
  seed: { type: 'string' },
} as const;

export const trainFlagsHelp = `  --factors N   latent factors (default ${defaultTrainConfig.factors.factors})
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
  return {
    ...base,
    seed: seed ?? base.seed,
    earlyStopping: epochs === undefined,
    factors: {
      ...base.factors,
      factors: factors ?? base.factors.factors,
      epochs: epochs ?? base.factors.epochs,
      learningRate: lr ?? base.factors.learningRate,
      regFactor: reg ?? base.factors.regFactor,
    },
  };
}
