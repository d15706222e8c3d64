import type { Executor } from '../db/database.js';
import type { AppContext } from '../http/context.js';
import { parsePolicyDocument, savePolicyVersion } from '../policy/index.js';
import type { MonitoringConfigInput } from '../monitoring/monitoring-config.js';
import { storeMonitoringConfig } from '../monitoring/monitoring.results.js';
import { applyLegalHoldLift } from '../registry/legal-hold.service.js';
import type { Model, PatchModelInput } from '../registry/model.schema.js';
import { applyModelPatch, type Actor } from '../registry/registry.service.js';
import type { Stage } from '../registry/version.schema.js';
import type { ChangeRequestRow } from './change-request.repository.js';
import { announceRetirement, type RetirementOrder } from './retirement.js';
import { applyStageChange } from './stage-change.js';

/**
 * What a governance change request carries: the governed fact, the patch applied when the
 * request executes, and the loosenings (or, for a version's reason codes, the changes) that made
 * it need approval.
 */
export type GovernancePayload =
  | {
      fact: 'model';
      patch: PatchModelInput;
      loosenings: string[];
      before: { riskTier: number; owner: string; consumers: string[] };
    }
  | {
      fact: 'monitoring-config';
      /** The whole configuration asked for, stored when the request executes. */
      config: MonitoringConfigInput;
      loosenings: string[];
      before: MonitoringConfigInput;
    }
  | { fact: 'legal-hold'; loosenings: string[]; hold: Model['legalHold'] }
  | {
      fact: 'rollout';
      /** The candidate version and strategy of the rollout held. */
      candidate: string;
      strategy: string;
      /** The request as made, and the plan resolved from it: started as is when the request executes. */
      request: Record<string, unknown>;
      plan: Record<string, unknown>;
      /** One line per loosened field, and each field with its requested and policy value. */
      loosenings: string[];
      fields: Array<{ field: string; requested: unknown; policy: unknown; policyPath: string }>;
    }
  | {
      fact: 'reason-codes';
      /** The production version whose reason codes change. */
      version: string;
      /** The whole table asked for, stored as a new revision when the request executes. */
      codes: Record<string, string>;
      /** The table in force when the change was asked for, and its revision (null: none yet). */
      before: Record<string, string>;
      beforeRevision: number | null;
      /** What executing changes: features added, changed (from → to) and removed. */
      diff: {
        added: Record<string, string>;
        changed: Record<string, { from: string; to: string }>;
        removed: Record<string, string>;
      };
      /** One line per changed feature (`amount changed`). */
      changes: string[];
    };

/** What a policy change request carries. */
export interface PolicyPayload {
  document: unknown;
  format: 'yaml' | 'json';
  source: string;
  basedOnVersion: number;
}

/**
 * Carries out an approved change request inside the transaction of its last approval: a stage
 * move, a new policy version, a retirement, or a governance change (a version's reason codes are
 * left to the reaction subscribed to them). A rollback review records a verdict on a rollback
 * that already happened, so it changes nothing else.
 */
export async function executeChangeRequestEffect(
  trx: Executor,
  ctx: AppContext,
  actor: Actor,
  row: ChangeRequestRow,
): Promise<void> {
  const payload = JSON.parse(row.payload) as Record<string, unknown>;
  switch (row.kind) {
    case 'transition':
      await applyStageChange(trx, ctx, actor, {
        modelId: row.model_id!,
        versionId: row.version_id!,
        from: row.from_stage as Stage,
        to: row.to_stage as Stage,
        reason: row.reason,
        changeRequestId: row.id,
      });
      return;
    case 'policy': {
      const p = payload as unknown as PolicyPayload;
      await savePolicyVersion(trx, ctx.audit, parsePolicyDocument(p.document), {
        actor: row.requested_by,
        requestId: actor.requestId,
        reason: `${row.reason} (change request ${row.id})`,
        now: ctx.now(),
        source: p.source,
        format: p.format,
      });
      return;
    }
    case 'retirement': {
      const order = payload.order as Omit<RetirementOrder, 'changeRequestId'>;
      await announceRetirement(trx, ctx, actor, { ...order, changeRequestId: row.id });
      return;
    }
    case 'governance_change': {
      const p = payload as unknown as GovernancePayload;
      // A version's reason codes are stored by the explanations' change request reaction
      // (`reasonCodeReaction`, subscribed in src/server/reactions.ts): the workflow imports no
      // domain that opens requests through it.
      // A rollout held for looser analysis is started by the rollouts' reaction
      // (`rolloutPlanReaction`), for the same reason.
      if (p.fact === 'reason-codes' || p.fact === 'rollout') return;
      if (p.fact === 'monitoring-config')
        await storeMonitoringConfig(trx, ctx, actor, { id: row.model_id!, name: row.model_name! }, p.config, {
          changeRequestId: row.id,
        });
      else if (p.fact === 'legal-hold') await applyLegalHoldLift(trx, ctx, actor, row.model_name!, row.id);
      else await applyModelPatch(trx, ctx, actor, row.model_name!, p.patch, [], row.id);
      return;
    }
    case 'rollback_review':
      return;
    default:
      throw new Error(`unknown change request kind ${row.kind}`);
  }
}
