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
 * request executes, and the loosenings that made it need approval.
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
  | { fact: 'legal-hold'; loosenings: string[]; hold: Model['legalHold'] };

/** What a policy change request carries. */
export interface PolicyPayload {
  document: unknown;
  format: 'yaml' | 'json';
  source: string;
  basedOnVersion: number;
}

/**
 * Carries out an approved change request inside the transaction of its last approval: a stage
 * move, a new policy version, or a retirement. A rollback review records a verdict on a rollback
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
