/**
 * One benchmark case in its own process (so its peak RSS is its own): load or generate the
 * ratings, split 80/20 with a fixed seed, train, evaluate, print one JSON line.
 * Usage: node bench/train-case.ts <dataset> <algorithm> [factors] [epochs]
 */
import { join } from 'node:path';
import { evaluationReport } from '../cli/evaluation-report.ts';
import { trainConfigFromFlags } from '../cli/train-config.ts';
import { readRatings } from '../data/dataset.ts';
import { generateSynthetic, type SYNTHETIC_PRESETS } from '../data/synthetic.ts';
import { evaluateRecommender } from '../model/evaluate.ts';
import { movielensDir } from '../data/test-files.ts';
import { randomSplit } from '../model/test-data.ts';
import { trainRecommender } from '../model/train.ts';

const [dataset = 'ml-100k', algorithm = 'blend', factors, epochs] = process.argv.slice(2);
const synthetic = dataset.startsWith('synthetic-');
const loadStart = performance.now();
const ratings = synthetic
  ? generateSynthetic(dataset.slice('synthetic-'.length) as keyof typeof SYNTHETIC_PRESETS, { seed: 42 }).ratings
  : await readRatings(join(movielensDir(), dataset));
const { train, test } = randomSplit(ratings, 0.2, 42);
const loadSeconds = (performance.now() - loadStart) / 1000;
const config = trainConfigFromFlags({ algorithm, ...(factors ? { factors } : {}), ...(epochs ? { epochs } : {}) });
const cpuBefore = process.cpuUsage();
const result = await trainRecommender(train, config);
const cpu = process.cpuUsage(cpuBefore);
// updates per epoch: the search phase trains on the fit share of the ratings, the refit on all
const updates = result.epochs.reduce(
  (sum, e) => sum + (e.phase === 'fit' ? train.length * (1 - config.validationFraction) : train.length),
  0,
);
const evaluation = evaluateRecommender(result.model, test, { maxRankedUsers: 6_000 });
process.stdout.write(
  `${JSON.stringify({
    dataset,
    algorithm,
    factors: config.factors.factors,
    earlyStopping: config.earlyStopping,
    ...evaluationReport(result, evaluation, train.length),
    // both threads: the neighbour fit runs on a worker beside the factors
    fitCpuSeconds: (cpu.user + cpu.system) / 1e6,
    sgdNsPerUpdate: (1e9 * result.epochs.reduce((sum, e) => sum + e.seconds, 0)) / updates,
    stageSeconds: result.stageSeconds,
    // each ranking model's best NDCG@10 on the validation slice: why the chosen one was chosen
    validationNdcgAt10: result.validation?.modelNdcgAt10,
    loadSeconds,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
  })}\n`,
);
