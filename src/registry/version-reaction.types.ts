import type { Executor } from '../db/database.js';

/** A model version as it is registered: enough for a reaction to map or index it. */
export interface RegisteredVersion {
  id: string;
  modelId: string;
  modelName: string;
  version: string;
  description: string | null;
  /** The training run named by the version's lineage, if any. */
  trainingRunId: string | null;
  createdAt: string;
  actor: string;
  requestId: string;
}

/**
 * A reaction to a newly registered version (the MLflow registry numbers it). It runs inside the
 * transaction that registers the version, before its audit entry (which comes last, as it locks
 * the chain's head until commit), so it commits or rolls back with it, whichever API registered
 * the version. The registry imports none of the domains that react; `Ctx` is the application
 * context.
 */
export interface VersionCreatedReaction<Ctx> {
  name: string;
  onCreated(trx: Executor, ctx: Ctx, version: RegisteredVersion): Promise<void>;
}
