import type { Executor } from '../db/database.js';
import type { MonitorCheck } from './monitoring.types.js';

/** The model a batch of checks belongs to. */
export interface CheckedModel {
  id: string;
  name: string;
  riskTier: number;
}

/** What one evaluation of one model version produced, as monitoring publishes it. */
export interface MonitorOutcome {
  model: CheckedModel;
  version: string;
  checks: MonitorCheck[];
  now: Date;
  /**
   * Length of the model's window buckets: two evaluations whose windows end in the same bucket
   * evaluate the same window. Without it a window is identified by its end.
   */
  bucketMinutes?: number;
}

/**
 * A reaction to monitor outcomes (alerts, incidents, retraining, rollouts). It runs inside the
 * transaction that stores the checks, with the model's row locked, and returns what it changed
 * as named counts (`{opened: 1}`), which the publisher adds up. `Ctx` is the application context.
 */
export interface MonitorReaction<Ctx> {
  name: string;
  react(trx: Executor, ctx: Ctx, outcome: MonitorOutcome): Promise<Record<string, number>>;
}
