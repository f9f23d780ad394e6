/**
 * The operator's records, each in the backend of its resource's namespace: promotions and gate
 * decisions in the release's database, new ratings counted in the release's database, run records
 * read from the run's. What the Operator takes as recordPromotion, recordGateDecision,
 * newRatingsSince and readRunRecord.
 */
import type { Database } from '../../storage/database.ts';
import { recordGateDecision } from '../../storage/gate-decisions.ts';
import { recordPromotion } from '../../storage/promotions.ts';
import { countRatingsSince } from '../../storage/ratings-table.ts';
import { getRun } from '../../storage/training-runs.ts';
import type { ModelRelease, TrainingRun } from '../api/resources.ts';
import type { GateDecisionRecord, PromotionRecord } from '../modelrelease/decide.ts';
import { resultFromRecord } from '../trainingrun/run-record.ts';
import type { TrainerResult } from '../trainingrun/termination-message.ts';
import { releaseBackend, runBackend } from './backend-secret.ts';
import type { TenantBackends } from './tenant-backends.ts';

export interface TenantRecords {
  recordPromotion(promotion: PromotionRecord, release: ModelRelease): Promise<void>;
  recordGateDecision(decision: GateDecisionRecord, release: ModelRelease): Promise<void>;
  newRatingsSince(maxRatingId: number, release: ModelRelease): Promise<number>;
  readRunRecord(runId: string, run: TrainingRun): Promise<TrainerResult | undefined>;
}

export function tenantRecords(backends: TenantBackends): TenantRecords {
  const releaseDatabase = (release: ModelRelease) => backends.database(releaseBackend(release));
  /** Resolves without writing when the release has no database at all: nothing would ever read the record. */
  const withReleaseDatabase = async (release: ModelRelease, write: (db: Database) => Promise<unknown>) => {
    const db = await releaseDatabase(release);
    if (db) await write(db);
  };
  return {
    recordPromotion: (promotion, release) =>
      withReleaseDatabase(release, (db) =>
        recordPromotion(db, { ...promotion, promotedAt: new Date(promotion.promotedAt) }),
      ),
    recordGateDecision: (decision, release) =>
      withReleaseDatabase(release, (db) =>
        recordGateDecision(db, { ...decision, decidedAt: new Date(decision.decidedAt) }),
      ),
    async newRatingsSince(maxRatingId, release) {
      const db = await releaseDatabase(release);
      if (!db)
        throw new Error('the release names no backend Secret (serving or retrain template): no ratings to count');
      return countRatingsSince(db, maxRatingId);
    },
    async readRunRecord(runId, run) {
      const db = await backends.database(runBackend(run));
      return db ? resultFromRecord(await getRun(db, runId)) : undefined;
    },
  };
}
