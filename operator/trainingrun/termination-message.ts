/** The trainer's result as written to its termination message (cli/train-command.ts), checked at the boundary. */
import { z } from 'zod';

const count = z.number().int().nonnegative();

export const trainerResult = z.object({
  runId: z.string(),
  model: z.string(),
  phase: z.enum(['Succeeded', 'Failed']),
  reason: z.string().optional(),
  dataset: z.object({ ratings: count, users: count, movies: count, maxRatingId: count.optional() }).optional(),
  metrics: z
    .object({
      rmse: z.number(),
      mae: z.number(),
      precisionAt10: z.number(),
      recallAt10: z.number(),
      ndcgAt10: z.number(),
      coverage: z.number(),
      trainSeconds: z.number(),
    })
    .optional(),
  /** The model that ranks in the artifact (popularity, cooccurrence, ease, ials); absent from older trainers. */
  rankingModel: z.string().max(32).optional(),
  artifact: z.object({ uri: z.string(), digest: z.string(), sizeBytes: count }).optional(),
  /** A search trial's outcome (trainer/run-trial.ts). */
  trial: z
    .object({
      index: count,
      state: z.enum(['Succeeded', 'Stopped']),
      parameters: z.object({
        algorithm: z.string().optional(),
        factors: z.number().optional(),
        epochs: z.number().optional(),
        learningRate: z.number().optional(),
        regularization: z.number().optional(),
      }),
      value: z.number().optional(),
      stoppedAtEpoch: count.optional(),
    })
    .optional(),
});

export type TrainerResult = z.infer<typeof trainerResult>;

export type ParsedMessage = { ok: true; result: TrainerResult } | { ok: false; problem: string };

export function parseTerminationMessage(message: string | undefined): ParsedMessage {
  if (!message?.trim()) return { ok: false, problem: 'the trainer left no termination message' };
  let json: unknown;
  try {
    json = JSON.parse(message);
  } catch {
    // FallbackToLogsOnError puts the log tail here when the trainer died before writing its result.
    return { ok: false, problem: `the trainer's termination message is not JSON: ${message.trim().slice(-300)}` };
  }
  const parsed = trainerResult.safeParse(json);
  if (!parsed.success)
    return { ok: false, problem: `the trainer's result is malformed: ${z.prettifyError(parsed.error).slice(0, 300)}` };
  return { ok: true, result: parsed.data };
}
