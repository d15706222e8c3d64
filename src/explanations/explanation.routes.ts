import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { ROLES, type Role } from '../auth/roles.js';
import { WardenError } from '../core/errors.js';
import { negotiateFormat, sendDocument } from '../documents/index.js';
import { actorOf } from '../http/actor.js';
import type { AppContext, WardenEnv } from '../http/context.js';
import { jsonBody, jsonResponse } from '../http/responses.js';
import type { RouteTable } from '../http/route-table.js';
import { generateModelCard, type ModelCard } from '../modelcards/index.js';
import { explainabilityPolicy, getActivePolicy } from '../policy/index.js';
import { modelName } from '../registry/model.schema.js';
import { semverString } from '../registry/version.schema.js';
import { changeRequestSchema } from '../workflow/index.js';
import { adverseActionNotice, decisionExplanation, type ContestInfo } from './decision.document.js';
import type { DecisionRow } from './decision.repository.js';
import {
  DECISION_READER_ROLES,
  principalReasons,
  readDecision,
  requireDecisionReader,
  setAdverseOutcome,
  toLineage,
  type DecisionQuery,
} from './decision.service.js';
import { changeReasonCodes, reasonCodeHistory } from './reason-codes.service.js';
import { explanationEvidenceView, uploadExplanationEvidence } from './explanation-evidence.service.js';
import { listDisputes, openDispute, recordOptOut, requireDispute, updateDispute } from './dispute.service.js';
import {
  adverseOutcomeSchema,
  counterfactualsBodySchema,
  DISPUTE_STATUSES,
  evidenceUploadSchema,
  explanationEvidenceSchema,
  explanationReportBodySchema,
  disputeSchema,
  lineageSchema,
  openDisputeBody,
  optOutBody,
  optOutSchema,
  reasonCodeRevisionSchema,
  reasonCodesBodySchema,
  reasonCodeWriteSchema,
  reasonsSchema,
  updateDisputeBody,
} from './explanation.schema.js';

/** Who may ask for a decision: every role but viewer (the service then admits admin, compliance, legal, auditor and the model's owner). */
const DECISION_ROLES: readonly Role[] = ROLES.filter((r) => r !== 'viewer');
/** Who may act on a decision (open or work a dispute): no read-only role. */
const DECISION_WRITER_ROLES: readonly Role[] = ROLES.filter((r) => r !== 'viewer' && r !== 'auditor');
/** Who records opt-outs of automated decisions. */
const OPT_OUT_ROLES: readonly Role[] = ['admin', 'compliance', 'legal'];
/** Who writes a version's reason codes and adverse outcome: those who write its model card. */
const REASON_CODE_WRITERS: readonly Role[] = [
  'admin',
  'data-scientist',
  'ml-engineer',
  'mlops',
  'validator',
  'compliance',
  'legal',
  'business-owner',
];

const recordParams = z.object({ recordId: z.string().min(1).max(256) });
const scopeQuery = {
  model: modelName.optional().openapi({ description: 'Narrows a record id used by several models' }),
  version: semverString.optional(),
};
const versionParams = z.object({ name: modelName, version: semverString });
const formatQuery = z.enum(['json', 'md', 'markdown', 'html']).optional();

async function contestInfo(ctx: AppContext, row: DecisionRow): Promise<ContestInfo> {
  const tier = await ctx.db
    .selectFrom('models')
    .select('risk_tier')
    .where('id', '=', row.model_id)
    .executeTakeFirstOrThrow();
  const days = explainabilityPolicy(
    (await getActivePolicy(ctx.db)).document,
    Number(tier.risk_tier),
  ).disputeDays;
  return { contact: row.model_owner, disputeDays: days };
}

/** A decision query's optional narrowing of a record id used by several models. */
type DecisionScope = Omit<Extract<DecisionQuery, { recordId: string }>, 'recordId'>;

/** A request on a route whose path names a decision's record id. */
type RecordContext = Context<WardenEnv, string, { out: { param: { recordId: string } } }>;

/** A version's model card, or null when the version has none to build from (any other failure propagates). */
async function modelCardOrNull(ctx: AppContext, row: DecisionRow): Promise<ModelCard | null> {
  try {
    return await generateModelCard(ctx.db, row.model_name, row.version, ctx.now());
  } catch (error) {
    if (error instanceof WardenError && error.code === 'not_found') return null;
    throw error;
  }
}

export function registerExplanationRoutes(routes: RouteTable, ctx: AppContext): void {
  /**
   * The decision the path's record id names, narrowed by `scope` (model, version), read for
   * `purpose`: the caller is checked and the read audited.
   */
  const recordDecision = (c: RecordContext, scope: DecisionScope, purpose: string) =>
    readDecision(ctx, actorOf(c), { recordId: c.req.valid('param').recordId, ...scope }, purpose);

  routes.add(
    createRoute({
      method: 'get',
      path: '/api/v1/predictions',
      tags: ['predictions'],
      summary: 'Look a decision up by model and input hash',
      request: {
        query: z.object({
          model: modelName,
          inputHash: z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256 in lower-case hex'),
          version: semverString.optional(),
        }),
      },
      responses: jsonResponse(200, lineageSchema, 'The decision’s lineage'),
    }),
    DECISION_ROLES,
    async (c) => {
      const q = c.req.valid('query');
      const row = await readDecision(
        ctx,
        actorOf(c),
        { model: q.model, inputHash: q.inputHash, version: q.version },
        'lineage',
      );
      return c.json(await toLineage(ctx.db, row), 200);
    },
  );

  routes.add(
    createRoute({
      method: 'get',
      path: '/api/v1/predictions/{recordId}',
      tags: ['predictions'],
      summary: 'A decision’s lineage: model, version, output, score, time, input hash, attributions, label',
      description:
        'Answers when the record id is unique, else 409 listing the versions (narrow it with `model` and `version`). Read by admin, compliance, legal, auditor and the model’s owner; every read is audited.',
      request: { params: recordParams, query: z.object(scopeQuery) },
      responses: jsonResponse(200, lineageSchema, 'The decision’s lineage'),
    }),
    DECISION_ROLES,
    async (c) => {
      const row = await recordDecision(c, c.req.valid('query'), 'lineage');
      return c.json(await toLineage(ctx.db, row), 200);
    },
  );

  routes.add(
    createRoute({
      method: 'get',
      path: '/api/v1/predictions/{recordId}/reasons',
      tags: ['predictions'],
      summary: 'The principal reasons of an adverse decision (adverse-action reasons), largest first',
      description:
        'Ranks the attributions that push toward the version’s adverse outcome and names each by its reason code. 409 names what is missing: the record’s attributions or the version’s adverse outcome.',
      request: {
        params: recordParams,
        query: z.object({ ...scopeQuery, n: z.coerce.number().int().min(1).max(20).default(4) }),
      },
      responses: jsonResponse(200, reasonsSchema, 'The principal reasons'),
    }),
    DECISION_ROLES,
    async (c) => {
      const { n, ...scope } = c.req.valid('query');
      const row = await recordDecision(c, scope, 'reasons');
      return c.json(await principalReasons(ctx.db, row, n), 200);
    },
  );

  routes.add(
    createRoute({
      method: 'get',
      path: '/api/v1/predictions/{recordId}/adverse-action-notice',
      tags: ['predictions'],
      summary: 'The adverse-action notice of a decision, as Markdown, HTML or JSON',
      request: {
        params: recordParams,
        query: z.object({
          ...scopeQuery,
          n: z.coerce.number().int().min(1).max(20).default(4),
          format: formatQuery,
        }),
      },
      responses: jsonResponse(200, z.object({}).passthrough(), 'The notice (`format=md|html` for text)'),
    }),
    DECISION_ROLES,
    async (c) => {
      const { n, format, ...scope } = c.req.valid('query');
      const wanted = negotiateFormat(format, c.req.header('accept'));
      const row = await recordDecision(c, scope, 'notice');
      const reasons = await principalReasons(ctx.db, row, n);
      const lineage = await toLineage(ctx.db, row);
      const doc = adverseActionNotice(lineage, reasons, await contestInfo(ctx, row));
      return sendDocument(c, wanted, doc, doc) as never;
    },
  );

  routes.add(
    createRoute({
      method: 'get',
      path: '/api/v1/predictions/{recordId}/explanation',
      tags: ['predictions'],
      summary:
        'The explanation of one automated decision (GDPR Art. 22): logic, main factors, how to contest',
      request: {
        params: recordParams,
        query: z.object({
          ...scopeQuery,
          n: z.coerce.number().int().min(1).max(20).default(5),
          format: formatQuery,
        }),
      },
      responses: jsonResponse(200, z.object({}).passthrough(), 'The explanation (`format=md|html` for text)'),
    }),
    DECISION_ROLES,
    async (c) => {
      const { n, format, ...scope } = c.req.valid('query');
      const wanted = negotiateFormat(format, c.req.header('accept'));
      const row = await recordDecision(c, scope, 'explanation');
      const lineage = await toLineage(ctx.db, row);
      const card = await modelCardOrNull(ctx, row);
      const doc = decisionExplanation(lineage, card, await contestInfo(ctx, row), n);
      return sendDocument(c, wanted, doc, doc) as never;
    },
  );

  routes.add(
    createRoute({
      method: 'post',
      path: '/api/v1/predictions/{recordId}/disputes',
      tags: ['predictions'],
      summary:
        'Open a dispute of a decision, due after the policy’s dispute period and assigned to the model’s owner',
      request: { params: recordParams, query: z.object(scopeQuery), ...jsonBody(openDisputeBody) },
      responses: jsonResponse(201, disputeSchema, 'The dispute'),
    }),
    DECISION_WRITER_ROLES,
    async (c) => {
      const row = await recordDecision(c, c.req.valid('query'), 'dispute');
      return c.json(await openDispute(ctx, actorOf(c), row, c.req.valid('json').statement), 201);
    },
  );

  routes.add(
    createRoute({
      method: 'get',
      path: '/api/v1/disputes',
      tags: ['predictions'],
      summary: 'Disputes of decisions, newest first',
      description:
        'Listed for admin, compliance, legal and auditor; a model’s owner lists the disputes of that model by naming it in `model`.',
      request: {
        query: z.object({
          model: modelName.optional(),
          recordId: z.string().min(1).max(256).optional().openapi({
            description: 'Only the disputes of this record id (of every version that uses it)',
          }),
          status: z.enum(DISPUTE_STATUSES).optional(),
          overdue: z.enum(['true', 'false']).optional(),
          limit: z.coerce.number().int().min(1).max(1000).default(100),
        }),
      },
      responses: jsonResponse(200, z.object({ items: z.array(disputeSchema) }), 'The disputes'),
    }),
    DECISION_ROLES,
    async (c) => {
      const q = c.req.valid('query');
      const principal = c.get('principal');
      if (!principal.roles.some((r) => (DECISION_READER_ROLES as readonly string[]).includes(r))) {
        // Anyone else lists only the disputes of a model they own.
        const owner = q.model
          ? await ctx.db.selectFrom('models').select('owner').where('name', '=', q.model).executeTakeFirst()
          : undefined;
        requireDecisionReader(principal, owner?.owner ?? '', q.model ?? 'every model');
      }
      const items = await listDisputes(ctx.db, {
        model: q.model,
        recordId: q.recordId,
        status: q.status,
        overdue: q.overdue === 'true',
        now: ctx.now(),
        limit: q.limit,
      });
      return c.json({ items }, 200);
    },
  );

  const disputeParams = z.object({ id: z.string().min(1).max(128) });
  const ownerCheck = async (principal: Parameters<typeof requireDecisionReader>[0], id: string) => {
    const dispute = await requireDispute(ctx.db, id, ctx.now());
    const model = await ctx.db
      .selectFrom('models')
      .select('owner')
      .where('name', '=', dispute.model)
      .executeTakeFirstOrThrow();
    // The assignee works the dispute even when it is not the model's owner.
    if (principal.name !== dispute.assignee) requireDecisionReader(principal, model.owner, dispute.model);
    return dispute;
  };

  routes.add(
    createRoute({
      method: 'get',
      path: '/api/v1/disputes/{id}',
      tags: ['predictions'],
      summary: 'Show a dispute',
      request: { params: disputeParams },
      responses: jsonResponse(200, disputeSchema, 'The dispute'),
    }),
    DECISION_ROLES,
    async (c) => {
      const { ownerVersionId: _, ...dispute } = await ownerCheck(c.get('principal'), c.req.valid('param').id);
      return c.json(dispute, 200);
    },
  );

  routes.add(
    createRoute({
      method: 'patch',
      path: '/api/v1/disputes/{id}',
      tags: ['predictions'],
      summary: 'Change a dispute’s status, resolution or assignee (resolving needs a resolution)',
      request: { params: disputeParams, ...jsonBody(updateDisputeBody) },
      responses: jsonResponse(200, disputeSchema, 'The dispute'),
    }),
    DECISION_WRITER_ROLES,
    async (c) => {
      const id = c.req.valid('param').id;
      await ownerCheck(c.get('principal'), id);
      const dispute = await updateDispute(ctx, actorOf(c), id, c.req.valid('json'));
      return c.json(dispute, 200);
    },
  );

  routes.add(
    createRoute({
      method: 'post',
      path: '/api/v1/opt-outs',
      tags: ['predictions'],
      summary:
        'Record that a subject opts out of automated decisions; the routing API then answers `human-review` for its key',
      request: jsonBody(optOutBody),
      responses: jsonResponse(201, optOutSchema, 'The opt-out (the key is kept only as its SHA-256)'),
    }),
    OPT_OUT_ROLES,
    async (c) => {
      const body = c.req.valid('json');
      const { created: _, ...optOut } = await recordOptOut(ctx, actorOf(c), body.subjectKey, body.model);
      return c.json(optOut, 201);
    },
  );

  routes.add(
    createRoute({
      method: 'put',
      path: '/api/v1/models/{name}/versions/{version}/reason-codes',
      tags: ['predictions'],
      summary: 'Replace the version’s reason codes {feature: reasonText}; each change is a new revision',
      description:
        'A table identical to the one in force changes nothing (200, `unchanged: true`). For a version in production the table is not stored: the answer is 202 with a `governance_change` request (its `payload` holds the table asked for, the table in force and the diff: `added`, `changed`, `removed`) needing the policy’s `governanceChanges` approvals; the table becomes a revision linked to the request when it executes. Another change while one is open is 409 naming the request. Any other version gets a new revision at once (200). Every stored revision is audited with the previous and the new table.',
      request: { params: versionParams, ...jsonBody(reasonCodesBodySchema) },
      responses: {
        ...jsonResponse(200, reasonCodeWriteSchema, 'The revision in force'),
        202: {
          content: { 'application/json': { schema: changeRequestSchema } },
          description: 'The governance change request holding the new table of a version in production',
        },
      },
    }),
    REASON_CODE_WRITERS,
    async (c) => {
      const { name, version } = c.req.valid('param');
      const result = await changeReasonCodes(ctx, actorOf(c), name, version, c.req.valid('json'));
      // Both bodies are declared above; the typed handler checks the last success status only.
      if (result.outcome !== 'requested')
        return c.json(
          { model: name, version, ...result.revision, unchanged: result.outcome === 'unchanged' },
          200,
        ) as never;
      return c.json(result.changeRequest, 202);
    },
  );

  routes.add(
    createRoute({
      method: 'get',
      path: '/api/v1/models/{name}/versions/{version}/reason-codes',
      tags: ['predictions'],
      summary: 'The version’s reason codes, every revision newest first',
      request: { params: versionParams },
      responses: jsonResponse(200, z.object({ items: z.array(reasonCodeRevisionSchema) }), 'The revisions'),
    }),
    ROLES,
    async (c) => {
      const { name, version } = c.req.valid('param');
      const items = (await reasonCodeHistory(ctx.db, name, version)).map((r) => ({
        model: name,
        version,
        ...r,
      }));
      return c.json({ items }, 200);
    },
  );

  routes.add(
    createRoute({
      method: 'put',
      path: '/api/v1/models/{name}/versions/{version}/adverse-outcome',
      tags: ['predictions'],
      summary:
        'Declare what an adverse decision of the version is: `{label}`, `{scoreAbove}` or `{scoreBelow}`',
      request: { params: versionParams, ...jsonBody(adverseOutcomeSchema) },
      responses: jsonResponse(200, adverseOutcomeSchema, 'The adverse outcome'),
    }),
    REASON_CODE_WRITERS,
    async (c) => {
      const { name, version } = c.req.valid('param');
      return c.json(await setAdverseOutcome(ctx, actorOf(c), name, version, c.req.valid('json')), 200);
    },
  );

  for (const [kind, schema, summary] of [
    [
      'report',
      explanationReportBodySchema,
      'Upload an explanation report of the version (global importance and quality scores computed offline)',
    ],
    [
      'counterfactuals',
      counterfactualsBodySchema,
      'Attach counterfactual examples to the version, as validation evidence',
    ],
  ] as const)
    routes.add(
      createRoute({
        method: 'put',
        path: `/api/v1/models/{name}/versions/{version}/explanation-evidence/${kind}`,
        tags: ['predictions'],
        summary,
        description:
          'Each upload is kept and audited; the newest is what the validation gate’s `explainability.evidence` check reads. A feature the version’s input schema lacks is refused by name.',
        request: { params: versionParams, ...jsonBody(schema) },
        responses: jsonResponse(201, evidenceUploadSchema, 'The stored upload'),
      }),
      REASON_CODE_WRITERS,
      async (c) => {
        const { name, version } = c.req.valid('param');
        const upload = await uploadExplanationEvidence(
          ctx,
          actorOf(c),
          name,
          version,
          kind,
          c.req.valid('json'),
        );
        return c.json(upload, 201);
      },
    );

  routes.add(
    createRoute({
      method: 'get',
      path: '/api/v1/models/{name}/versions/{version}/explanation-evidence',
      tags: ['predictions'],
      summary:
        'The version’s explanation evidence as the validation gate reads it (global importance, quality, counterfactual examples) and its uploads',
      request: { params: versionParams },
      responses: jsonResponse(200, explanationEvidenceSchema, 'The evidence'),
    }),
    ROLES,
    async (c) => {
      const { name, version } = c.req.valid('param');
      return c.json(await explanationEvidenceView(ctx.db, name, version), 200);
    },
  );
}
