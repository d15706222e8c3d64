import { createRoute, z } from '@hono/zod-openapi';
import { ALL_ROLES, AUTHOR_ROLES } from '../auth/roles.js';
import type { AppContext } from '../http/context.js';
import { errorSchema } from '../http/errors.js';
import { jsonBody, jsonResponse } from '../http/responses.js';
import type { RouteTable } from '../http/route-table.js';
import { scanText } from '../pii/index.js';
import { attachmentResultSchema, cycloneDxSchema } from './attachment.schema.js';
import { getAttachment, scanJsonStrings, setAttachment } from './attachment.service.js';
import { modelName } from './model.schema.js';
import { semverString } from './version.schema.js';

const versionParams = z.object({ name: modelName, version: semverString });
const SBOM_PATH = '/api/v1/models/{name}/versions/{version}/sbom';
const CARD_PATH = '/api/v1/models/{name}/versions/{version}/model-card';
const notFoundResponse = {
  404: {
    content: { 'application/json': { schema: errorSchema } },
    description: 'No such version or document',
  },
} as const;

/** SBOM (CycloneDX JSON) and model card (Markdown) documents of a version; both may be replaced. */
export function registerAttachmentRoutes(routes: RouteTable, ctx: AppContext): void {
  routes.add(
    createRoute({
      method: 'put',
      path: SBOM_PATH,
      tags: ['attachments'],
      summary: 'Attach or replace the version’s SBOM (CycloneDX JSON)',
      description: 'String values are scanned for personal data; findings are returned, stored and audited.',
      request: { params: versionParams, ...jsonBody(cycloneDxSchema) },
      responses: jsonResponse(200, attachmentResultSchema, 'The stored SBOM’s digest and PII findings'),
    }),
    AUTHOR_ROLES,
    async (c) => {
      const { name, version } = c.req.valid('param');
      const sbom = c.req.valid('json');
      const result = await setAttachment(
        ctx,
        { principal: c.get('principal'), requestId: c.get('requestId') },
        name,
        version,
        'sbom',
        JSON.stringify(sbom),
        scanJsonStrings('sbom', sbom),
      );
      return c.json(result, 200);
    },
  );

  routes.add(
    createRoute({
      method: 'get',
      path: SBOM_PATH,
      tags: ['attachments'],
      summary: 'The version’s SBOM',
      request: { params: versionParams },
      responses: jsonResponse(200, cycloneDxSchema, 'The SBOM as stored'),
    }),
    ALL_ROLES,
    async (c) => {
      const { name, version } = c.req.valid('param');
      const text = await getAttachment(ctx, name, version, 'sbom');
      return c.json(JSON.parse(text) as z.infer<typeof cycloneDxSchema>, 200);
    },
  );

  routes.add(
    createRoute({
      method: 'put',
      path: CARD_PATH,
      tags: ['attachments'],
      summary: 'Attach or replace the version’s model card (Markdown)',
      description:
        'Send the card as text/markdown (any other type answers 415). The text is scanned for personal data; findings are returned, stored and audited.',
      request: {
        params: versionParams,
        body: { content: { 'text/markdown': { schema: z.string() } }, required: true },
      },
      responses: jsonResponse(200, attachmentResultSchema, 'The stored card’s digest and PII findings'),
    }),
    AUTHOR_ROLES,
    async (c) => {
      const { name, version } = c.req.valid('param');
      const card = await c.req.text();
      const result = await setAttachment(
        ctx,
        { principal: c.get('principal'), requestId: c.get('requestId') },
        name,
        version,
        'modelCard',
        card,
        scanText('modelCard', card),
      );
      return c.json(result, 200);
    },
  );

  routes.add(
    createRoute({
      method: 'get',
      path: `${CARD_PATH}/source`,
      tags: ['attachments'],
      summary: 'The version’s uploaded model card, as stored',
      description:
        'The Markdown card as uploaded. Its intended-use, limitations and ethical-considerations sections feed the generated card (`…/model-card`).',
      request: { params: versionParams },
      responses: {
        200: { content: { 'text/markdown': { schema: z.string() } }, description: 'The card as stored' },
        ...notFoundResponse,
      },
    }),
    ALL_ROLES,
    async (c) => {
      const { name, version } = c.req.valid('param');
      const text = await getAttachment(ctx, name, version, 'modelCard');
      return c.body(text, 200, { 'content-type': 'text/markdown; charset=utf-8' });
    },
  );
}
