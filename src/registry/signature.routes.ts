import { createRoute, z } from '@hono/zod-openapi';
import { ALL_ROLES, AUTHOR_ROLES, type Role } from '../auth/roles.js';
import type { AppContext } from '../http/context.js';
import { jsonBody, jsonResponse } from '../http/responses.js';
import type { RouteTable } from '../http/route-table.js';
import { modelName } from './model.schema.js';
import {
  artifactSignatureSchema,
  createSignatureSchema,
  keyName,
  registerKeySchema,
  signingKeySchema,
} from './signature.schema.js';
import { addArtifactSignature, registerSigningKey, revokeSigningKey } from './signature.service.js';
import { listKeys, toSigningKey } from './signature.repository.js';
import { semverString } from './version.schema.js';

/** Who may register and revoke signing keys. */
const KEY_ADMINS: readonly Role[] = ['admin', 'mlops', 'ml-engineer'];

/** Signing keys and artifact signatures. */
export function registerSignatureRoutes(routes: RouteTable, ctx: AppContext): void {
  routes.add(
    createRoute({
      method: 'post',
      path: '/api/v1/signing-keys',
      tags: ['signing'],
      summary: 'Register an Ed25519 public key for artifact signatures',
      request: jsonBody(registerKeySchema),
      responses: jsonResponse(201, signingKeySchema, 'The registered key'),
    }),
    KEY_ADMINS,
    async (c) => {
      const key = await registerSigningKey(
        ctx,
        { principal: c.get('principal'), requestId: c.get('requestId') },
        c.req.valid('json'),
      );
      return c.json(key, 201);
    },
  );

  routes.add(
    createRoute({
      method: 'get',
      path: '/api/v1/signing-keys',
      tags: ['signing'],
      summary: 'List signing keys, revoked ones included',
      responses: jsonResponse(200, z.object({ items: z.array(signingKeySchema) }), 'All keys by name'),
    }),
    ALL_ROLES,
    async (c) => c.json({ items: (await listKeys(ctx.db)).map(toSigningKey) }, 200),
  );

  routes.add(
    createRoute({
      method: 'post',
      path: '/api/v1/signing-keys/{name}/revoke',
      tags: ['signing'],
      summary: 'Revoke a signing key; versions signed only by it stop being verified',
      request: { params: z.object({ name: keyName }) },
      responses: jsonResponse(200, signingKeySchema, 'The revoked key'),
    }),
    KEY_ADMINS,
    async (c) => {
      const key = await revokeSigningKey(
        ctx,
        { principal: c.get('principal'), requestId: c.get('requestId') },
        c.req.valid('param').name,
      );
      return c.json(key, 200);
    },
  );

  routes.add(
    createRoute({
      method: 'post',
      path: '/api/v1/models/{name}/versions/{version}/signatures',
      tags: ['signing'],
      summary: 'Attach a signature over the artifact digest; it must verify against the named key',
      description:
        'The signed message is the artifact’s SHA-256 digest as 64 lower-case hex characters, ASCII, with no newline. A signature that does not verify answers 400 and stores nothing.',
      request: {
        params: z.object({ name: modelName, version: semverString }),
        ...jsonBody(createSignatureSchema),
      },
      responses: jsonResponse(201, artifactSignatureSchema, 'The verified signature'),
    }),
    AUTHOR_ROLES,
    async (c) => {
      const { name, version } = c.req.valid('param');
      const signature = await addArtifactSignature(
        ctx,
        { principal: c.get('principal'), requestId: c.get('requestId') },
        name,
        version,
        c.req.valid('json'),
      );
      return c.json(signature, 201);
    },
  );
}
