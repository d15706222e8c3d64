import type { Executor } from '../db/database.js';

/** A change request as it is carried out: what it moved and who is acting. */
export interface ExecutedChangeRequest {
  id: string;
  kind: string;
  modelId: string | null;
  modelName: string | null;
  versionId: string | null;
  version: string | null;
  from: string | null;
  to: string | null;
  /** Who opened the request. */
  requestedBy: string;
  /** What the request carries (a governance change's fact and the change asked for). */
  payload: Record<string, unknown>;
  /** Who is acting (the last approver, or the rollout that completed the request). */
  actor: string;
  requestId: string;
}

/**
 * A reaction to executed change requests (the MLflow aliases waiting for a promotion, a version's
 * reason codes held for approval). It runs
 * inside the transaction that executes the request, after its effect, so it commits or rolls back
 * with it. The workflow imports none of the domains that react; `Ctx` is the application context.
 */
export interface ChangeRequestReaction<Ctx> {
  name: string;
  onExecuted(trx: Executor, ctx: Ctx, request: ExecutedChangeRequest): Promise<void>;
}
