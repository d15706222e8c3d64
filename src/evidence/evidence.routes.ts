import { createRoute, z } from '@hono/zod-openapi';
import type { Role } from '../auth/roles.js';
import type { AppContext } from '../http/context.js';
import { errorSchema } from '../http/errors.js';
import { jsonBody } from '../http/responses.js';
import type { RouteTable } from '../http/route-table.js';
import { modelName } from '../registry/model.schema.js';
import { semverString } from '../registry/version.schema.js';
import { exportEvidencePack, preparePack } from './evidence-pack.export.js';

/** Who may export evidence: compliance and auditors (and admins). */
export const EVIDENCE_ROLES: readonly Role[] = ['admin', 'compliance', 'auditor'];

const error = (description: string) => ({
  content: { 'application/json': { schema: errorSchema } },
  description,
});

/** `POST /api/v1/evidence-packs`: a signed evidence pack, streamed as a zip. */
export function registerEvidenceRoutes(routes: RouteTable, ctx: AppContext): void {
  routes.add(
    createRoute({
      method: 'post',
      path: '/api/v1/evidence-packs',
      tags: ['evidence'],
      summary: 'Export a signed evidence pack (zip) for a model version and a framework',
      description:
        'Streams a zip: documents (model card, stored reports), the raw records they cite, the model’s audit entries with RFC 6962 inclusion proofs, `manifest.json` (files with SHA-256, framework items mapped to files, gaps) and `manifest.sig` (Ed25519 over the manifest bytes, by the audit signing key). Frameworks: eu-ai-act, sr-26-2, nist-ai-rmf, iso-42001. Verify offline with `warden evidence verify`.',
      request: jsonBody(
        z.strictObject({
          model: modelName,
          version: semverString
            .optional()
            .openapi({ description: 'Default: the production champion, else the newest version' }),
          framework: z.string().min(1).max(40).openapi({ example: 'eu-ai-act' }),
        }),
      ),
      responses: {
        200: {
          content: { 'application/zip': { schema: z.string().openapi({ format: 'binary' }) } },
          description: 'The pack',
        },
        400: error('Invalid input (unknown framework)'),
        401: error('Missing or invalid token'),
        403: error('Role not allowed'),
        404: error('No such model or version'),
      },
    }),
    EVIDENCE_ROLES,
    async (c) => {
      const prepared = await preparePack(ctx, c.req.valid('json'));
      const actor = c.get('principal').name;
      const requestId = c.get('requestId');
      const stream = exportEvidencePack(ctx, prepared, actor, async (manifest, sha256) => {
        await ctx.db.transaction().execute((trx) =>
          ctx.audit.append(trx, {
            actor,
            action: 'evidence_pack.exported',
            subject: `model:${prepared.model.name}@${prepared.version}`,
            requestId,
            change: {
              framework: manifest.framework,
              manifestSha256: sha256,
              files: manifest.files.length,
              gaps: manifest.gaps.map((g) => g.id),
              auditTree: manifest.auditTree,
            },
          }),
        );
      });
      const name = `evidence-${prepared.model.name}-${prepared.version}-${prepared.framework}.zip`;
      return new Response(stream, {
        status: 200,
        headers: {
          'content-type': 'application/zip',
          'content-disposition': `attachment; filename="${name}"`,
        },
      });
    },
  );
}
