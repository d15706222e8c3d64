import { OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { registerAlertRoutes, RESPONDER_ROLES } from '../alerts/index.js';
import { registerAuditRoutes } from '../audit/audit.routes.js';
import { createOidcVerifier } from '../auth/oidc-verifier.js';
import { registerOidcLoginRoutes } from '../auth/oidc-login.routes.js';
import { registerSessionRoutes } from '../auth/session.routes.js';
import { registerTokenRoutes } from '../auth/token.routes.js';
import { WardenError } from '../core/errors.js';
import { registerDeploymentRoutes } from '../deployments/index.js';
import { registerIncidentRoutes } from '../incidents/index.js';
import { observeHttpRequest, registerMetricsRoutes } from '../metrics/index.js';
import {
  endpointNotFound,
  isMlflowArtifactPath,
  isMlflowPath,
  registerMlflowArtifactRoutes,
  registerMlflowRegistryRoutes,
  renderMlflowError,
} from '../mlflow/index.js';
import { registerAuditProgramRoutes } from '../auditprogram/index.js';
import { registerEvidenceRoutes } from '../evidence/index.js';
import { registerExplanationRoutes } from '../explanations/index.js';
import { registerReportRoutes } from '../governance-reports/index.js';
import { registerModelCardRoutes } from '../modelcards/index.js';
import { registerMonitoringRoutes } from '../monitoring/index.js';
import { registerPolicyRoutes } from '../policy/policy.routes.js';
import { registerUiRoutes } from '../ui/ui.routes.js';
import { registerInventoryRoutes } from '../inventory/index.js';
import { registerRegistryRoutes } from '../registry/registry.routes.js';
import { versionFastRead } from '../registry/version.fast-read.js';
import { registerRetrainingRoutes } from '../retraining/index.js';
import { registerRolloutRoutes, routeDecisionFastRead } from '../rollouts/index.js';
import { registerArtifactRoutes } from '../registry/artifact.routes.js';
import { registerLegalHoldRoutes } from '../registry/legal-hold.js';
import { registerRetentionRoutes } from '../retention/index.js';
import { registerSignatureRoutes } from '../registry/signature.routes.js';
import { registerAttachmentRoutes } from '../registry/attachment.routes.js';
import { registerFeatureFreshnessRoutes, registerFeatureRoutes } from '../features/index.js';
import { registerValidationRoutes } from '../validation/index.js';
import { registerWebhookRoutes } from '../webhooks/index.js';
import { registerWorkflowRoutes, reviewRequestsHoldingRun } from '../workflow/index.js';
import type { AppContext, WardenEnv } from './context.js';
import { refuseControlCharacters, refuseControlCharactersInUrl } from './control-characters.middleware.js';
import { refusePersonalData } from './personal-data.middleware.js';
import { renderError, zodIssueToError } from './errors.js';
import { registerHealthRoutes } from './health.routes.js';
import { OPENAPI_DOCUMENT } from './openapi-document.js';
import type { FastRead } from './fast-reads.js';
import { noteLocalWrite } from './local-writes.js';
import { requestIdFor, setCommonHeaders } from './response-headers.js';
import { accessGuard, routeTemplateOf, RouteTable } from './route-table.js';

export interface WardenApp {
  app: OpenAPIHono<WardenEnv>;
  routes: RouteTable;
  /** Reads the Node server answers before the app (`withFastReads`), each also declared in `routes`. */
  fastReads: readonly FastRead[];
}

/**
 * The HTTP application: request id, access guard, body limits, each domain's routes, the
 * OpenAPI document and the error handler. A domain adds one `register…Routes` call here.
 */
export function createApp(ctx: AppContext): WardenApp {
  const app = new OpenAPIHono<WardenEnv>({
    defaultHook: (result) => {
      if (!result.success)
        throw zodIssueToError(result.error, result.target === 'json' ? 'body' : result.target);
    },
  });
  const routes = new RouteTable(app);

  // One middleware for what every request needs: its id and the headers every answer carries, its
  // duration by route template (never the raw path, so label values stay as many as the routes),
  // and, for writes, the count of writes this server answered (in-memory copies of the store such
  // as the routing table read it again before their next answer).
  app.use('*', async (c, next) => {
    const started = process.hrtime.bigint();
    const id = requestIdFor(c.req.header('x-request-id'));
    c.set('requestId', id);
    setCommonHeaders(c as never, id);
    const write = c.req.method !== 'GET' && c.req.method !== 'HEAD';
    try {
      await next();
    } finally {
      if (write) noteLocalWrite(ctx.store);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      observeHttpRequest(c.req.method, routeTemplateOf(c as never, routes), c.res.status, seconds);
    }
  });
  const oidcVerifier = ctx.config.oidc ? createOidcVerifier(ctx.config.oidc) : undefined;
  app.use(
    '*',
    accessGuard({
      routes,
      db: ctx.db,
      audit: ctx.audit,
      denials: ctx.denials,
      allowedOrigins: ctx.config.allowedOrigins,
      now: ctx.now,
      oidc: oidcVerifier,
    }),
  );
  const jsonLimit = bodyLimit({
    maxSize: ctx.config.maxJsonBytes,
    onError: () => {
      throw new WardenError('payload_too_large', `request body exceeds ${ctx.config.maxJsonBytes} bytes`);
    },
  });
  // Free text holding personal data is refused before any domain sees it when the mode is reject.
  const personalData = refusePersonalData({ db: ctx.db, piiMode: ctx.config.piiMode });
  // The checks of a request's URL and body, in one middleware (each layer costs every read):
  // control characters in the path and query; for writes, the JSON body limit and the control
  // characters and personal data of the body. An MLflow artifact is a file, not a request to check;
  // its path is checked where it is read.
  app.use('/api/*', async (c, next) => {
    const artifact = isMlflowArtifactPath(c.req.path);
    // Reads carry no body; skipping the limit also spares building the full Fetch Request per GET.
    if (c.req.method === 'GET' || c.req.method === 'HEAD') {
      if (!artifact) refuseControlCharactersInUrl(c as never);
      return next();
    }
    const checkPersonalData = async () => {
      await personalData(c as never, next);
    };
    const checkBody = async () => {
      await (artifact ? checkPersonalData() : refuseControlCharacters(c as never, checkPersonalData));
    };
    const type = c.req.header('content-type') ?? '';
    // Uploads stream with their own limit (MLflow artifact files come with any media type).
    if (type.startsWith('application/octet-stream') || artifact) return checkBody();
    return jsonLimit(c as never, checkBody);
  });

  registerHealthRoutes(routes);

  registerTokenRoutes(routes, ctx);
  registerSessionRoutes(routes, ctx);
  registerOidcLoginRoutes(app, routes, ctx, oidcVerifier);
  registerRegistryRoutes(routes, ctx);
  registerInventoryRoutes(routes, ctx);
  registerArtifactRoutes(routes, ctx);
  registerLegalHoldRoutes(routes, ctx);
  registerRetentionRoutes(routes, ctx);
  registerSignatureRoutes(routes, ctx);
  registerAttachmentRoutes(routes, ctx);
  registerFeatureRoutes(routes, ctx);
  registerFeatureFreshnessRoutes(routes, ctx);
  registerAuditRoutes(routes, ctx);
  registerPolicyRoutes(routes, ctx);
  // A waiver approval re-judges the change requests holding its run, in the same transaction.
  registerValidationRoutes(routes, ctx, {
    onWaiverApproved: async (trx, hookCtx, actor, waiver) => {
      await reviewRequestsHoldingRun(trx, hookCtx, actor, waiver.runId, waiver.id);
    },
  });
  registerWebhookRoutes(routes, ctx);
  registerWorkflowRoutes(routes, ctx);
  registerAlertRoutes(routes, ctx);
  registerIncidentRoutes(routes, ctx, RESPONDER_ROLES);
  registerRetrainingRoutes(routes, ctx);
  registerMetricsRoutes(routes, ctx);
  registerMonitoringRoutes(routes, ctx);
  registerDeploymentRoutes(routes, ctx);
  registerModelCardRoutes(routes, ctx);
  registerReportRoutes(routes, ctx);
  registerRolloutRoutes(routes, ctx);
  registerEvidenceRoutes(routes, ctx);
  registerAuditProgramRoutes(routes, ctx);
  registerExplanationRoutes(routes, ctx);
  registerMlflowRegistryRoutes(app, routes, ctx);
  registerMlflowArtifactRoutes(app, routes, ctx);

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description: 'A Warden token (wdn_…), or a JWT from the identity provider where OIDC is configured.',
  });
  app.doc31('/api/v1/openapi.json', OPENAPI_DOCUMENT);
  routes.addPlain('GET', '/api/v1/openapi.json', 'public');
  registerUiRoutes(app, routes);

  // The MLflow-compatible API answers in MLflow's error shape, unknown endpoints included.
  app.notFound((c) =>
    isMlflowPath(c.req.path)
      ? renderMlflowError(endpointNotFound(c.req.method, c.req.path), c)
      : renderError(new WardenError('not_found', `no route ${c.req.method} ${c.req.path}`), c),
  );
  app.onError((error, c) => (isMlflowPath(c.req.path) ? renderMlflowError(error, c) : renderError(error, c)));
  // The routing decision, which gateways may ask per request, and a version, which most registry
  // clients read, are also answered before the router.
  return { app, routes, fastReads: [routeDecisionFastRead(ctx), versionFastRead(ctx)] };
}
