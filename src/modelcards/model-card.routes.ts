import { createRoute, z } from '@hono/zod-openapi';
import { ALL_ROLES, type Role } from '../auth/roles.js';
import { negotiateFormat, sendDocument } from '../documents/index.js';
import type { AppContext } from '../http/context.js';
import { jsonBody, jsonResponse } from '../http/responses.js';
import type { RouteTable } from '../http/route-table.js';
import { modelName } from '../registry/model.schema.js';
import { semverString } from '../registry/version.schema.js';
import { modelCardDocument } from './model-card.build.js';
import { HUMAN_SECTIONS } from './model-card.repository.js';
import { cardSectionHistory, generateModelCard, writeCardSection } from './model-card.service.js';

/** Who may write the human sections: the authors, and the people who answer for the model's use. */
export const CARD_WRITER_ROLES: readonly Role[] = [
  'admin',
  'data-scientist',
  'ml-engineer',
  'mlops',
  'validator',
  'compliance',
  'legal',
  'business-owner',
];

const versionParams = z.object({ name: modelName, version: semverString });
const CARD_PATH = '/api/v1/models/{name}/versions/{version}/model-card';

const revisionSchema = z
  .object({
    section: z.enum(HUMAN_SECTIONS),
    revision: z.number().int(),
    text: z.string(),
    writtenBy: z.string(),
    writtenAt: z.string(),
  })
  .openapi('ModelCardSectionRevision', { description: 'A revision of one written model-card section' });

const sectionSchema = z.looseObject({ id: z.string(), title: z.string(), status: z.string() });
const cardSchema = z
  .looseObject({
    kind: z.literal('model-card'),
    model: z.string(),
    version: z.string(),
    tier: z.number(),
    generatedAt: z.string(),
    gaps: z.array(z.string()),
    gateGaps: z.array(z.string()),
    review: z.looseObject({ lastUpdatedAt: z.string(), dueAt: z.string().nullable(), overdue: z.boolean() }),
    sections: z.array(sectionSchema),
  })
  .openapi('ModelCard', { description: 'A version’s model card, section by section' });

/** The generated model card and its human-written sections. */
export function registerModelCardRoutes(routes: RouteTable, ctx: AppContext): void {
  routes.add(
    createRoute({
      method: 'get',
      path: CARD_PATH,
      tags: ['model cards'],
      summary: 'The version’s model card, generated from what Warden recorded',
      description:
        'JSON, Markdown or HTML: `?format=json|md|html`, or by Accept (application/json, text/markdown, text/html). The tier’s template decides which sections are required; `gaps` lists those without content. The uploaded Markdown card is at `…/model-card/source`.',
      request: {
        params: versionParams,
        query: z.object({ format: z.string().optional().openapi({ description: 'json, md or html' }) }),
      },
      responses: {
        ...jsonResponse(200, cardSchema, 'The card'),
      },
    }),
    ALL_ROLES,
    async (c) => {
      const { name, version } = c.req.valid('param');
      const format = negotiateFormat(c.req.valid('query').format, c.req.header('accept'));
      const card = await generateModelCard(ctx.db, name, version, ctx.now());
      return sendDocument(c, format, modelCardDocument(card), card) as never;
    },
  );

  routes.add(
    createRoute({
      method: 'put',
      path: `${CARD_PATH}/sections/{section}`,
      tags: ['model cards'],
      summary: 'Write a human section of the card (intended use, limitations, ethical considerations)',
      description:
        'Each write is a new revision with its author and time; earlier revisions stay in the history.',
      request: {
        params: versionParams.extend({ section: z.enum(HUMAN_SECTIONS) }),
        ...jsonBody(z.strictObject({ text: z.string().trim().min(1, 'must not be empty').max(20_000) })),
      },
      responses: jsonResponse(200, revisionSchema, 'The new revision'),
    }),
    CARD_WRITER_ROLES,
    async (c) => {
      const { name, version, section } = c.req.valid('param');
      const revision = await writeCardSection(
        ctx,
        { principal: c.get('principal'), requestId: c.get('requestId') },
        name,
        version,
        section,
        c.req.valid('json').text,
      );
      return c.json(revision, 200);
    },
  );

  routes.add(
    createRoute({
      method: 'get',
      path: `${CARD_PATH}/history`,
      tags: ['model cards'],
      summary: 'Every revision of the card’s human sections, oldest first',
      request: { params: versionParams },
      responses: jsonResponse(200, z.object({ items: z.array(revisionSchema) }), 'The revisions'),
    }),
    ALL_ROLES,
    async (c) => {
      const { name, version } = c.req.valid('param');
      return c.json({ items: await cardSectionHistory(ctx.db, name, version) }, 200);
    },
  );
}
