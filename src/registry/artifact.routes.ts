import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { createRoute, z } from '@hono/zod-openapi';
import { ALL_ROLES, AUTHOR_ROLES } from '../auth/roles.js';
import { invalidInput } from '../core/errors.js';
import type { AppContext } from '../http/context.js';
import { errorSchema } from '../http/errors.js';
import { jsonResponse } from '../http/responses.js';
import type { RouteTable } from '../http/route-table.js';
import { verifyArtifact } from './artifact-integrity.js';
import { openArtifact, uploadArtifact } from './artifact.service.js';
import { modelName } from './model.schema.js';
import { semverString } from './version.schema.js';

const versionParams = z.object({ name: modelName, version: semverString });
const ARTIFACT_PATH = '/api/v1/models/{name}/versions/{version}/artifact';

/** Every role but the read-only ones may ask for a re-hash: it records what it finds (the flag, an alert). */
const VERIFY_ROLES = ALL_ROLES.filter((r) => r !== 'viewer' && r !== 'auditor');

const integrityResultSchema = z
  .object({
    model: z.string(),
    version: z.string(),
    intact: z.boolean().openapi({ description: 'The stored bytes hash to the recorded digest and size' }),
    verified: z.boolean().openapi({ description: 'The version’s `verified` once this check is recorded' }),
    expected: z.object({ sha256: z.string(), size: z.number().int() }),
    observed: z.union([
      z.object({ sha256: z.string(), size: z.number().int() }),
      z.object({ missing: z.literal(true) }),
    ]),
    checkedAt: z.string(),
    failedAt: z.string().nullable().openapi({ description: 'When the mismatch was first seen' }),
  })
  .openapi('ArtifactIntegrity', {
    description: 'The result of re-hashing a stored artifact against its recorded SHA-256',
  });

const storedBlobSchema = z
  .object({
    sha256: z.string().openapi({ description: 'SHA-256 of the stored bytes, hex' }),
    size: z.number().int().openapi({ description: 'Size in bytes' }),
  })
  .openapi('StoredArtifact', { description: 'An artifact stored by content: SHA-256 and size' });

/** Artifact upload and download. The store is content-addressed; a version's artifact never changes. */
export function registerArtifactRoutes(routes: RouteTable, ctx: AppContext): void {
  routes.add(
    createRoute({
      method: 'put',
      path: ARTIFACT_PATH,
      tags: ['artifacts'],
      summary: 'Upload a version’s artifact (raw bytes, streamed; once per version)',
      request: {
        params: versionParams,
        body: {
          content: { 'application/octet-stream': { schema: z.string().openapi({ format: 'binary' }) } },
          required: true,
        },
      },
      description:
        'Send the bytes as application/octet-stream (else 415). Over the server’s upload limit answers 413 and stores nothing.',
      responses: jsonResponse(201, storedBlobSchema, 'The stored artifact’s digest and size'),
    }),
    AUTHOR_ROLES,
    async (c) => {
      const { name, version } = c.req.valid('param');
      const raw = c.req.raw.body;
      if (!raw) throw invalidInput('the request has no body; send the artifact bytes', 'body');
      const length = c.req.header('content-length');
      const stored = await uploadArtifact(
        ctx,
        { principal: c.get('principal'), requestId: c.get('requestId') },
        name,
        version,
        Readable.fromWeb(raw as NodeReadableStream<Uint8Array>),
        length !== undefined && /^\d+$/.test(length) ? Number(length) : undefined,
      );
      return c.json(stored, 201);
    },
  );

  routes.add(
    createRoute({
      method: 'get',
      path: ARTIFACT_PATH,
      tags: ['artifacts'],
      summary: 'Download a version’s artifact (its digest is verified first)',
      description:
        'The stored file is hashed before any byte is sent (one extra read of the file) and again while streaming. A mismatch answers 500 integrity_failure and is audited.',
      request: { params: versionParams },
      responses: {
        200: {
          content: { 'application/octet-stream': { schema: z.string().openapi({ format: 'binary' }) } },
          description: 'The artifact bytes; X-Warden-Sha256 carries the digest',
        },
        404: {
          content: { 'application/json': { schema: errorSchema } },
          description: 'No such version or artifact',
        },
        500: { content: { 'application/json': { schema: errorSchema } }, description: 'Integrity failure' },
      },
    }),
    ALL_ROLES,
    async (c) => {
      const { name, version } = c.req.valid('param');
      const blob = await openArtifact(
        ctx,
        { principal: c.get('principal'), requestId: c.get('requestId') },
        name,
        version,
      );
      return c.body(Readable.toWeb(blob.stream) as ReadableStream, 200, {
        'content-type': 'application/octet-stream',
        'content-length': String(blob.size),
        'x-warden-sha256': blob.sha256,
      });
    },
  );

  routes.add(
    createRoute({
      method: 'post',
      path: `${ARTIFACT_PATH}/verify`,
      tags: ['artifacts'],
      summary: 'Re-hash the stored artifact now and record whether its bytes still match',
      description:
        'The stored bytes are hashed again. A mismatch (or a missing file) sets the version’s `verified` to false, is audited and opens an `integrity_failure` alert; a match clears the failure. Answers 200 either way with what was found.',
      request: { params: versionParams },
      responses: jsonResponse(200, integrityResultSchema, 'What the re-hash found'),
    }),
    VERIFY_ROLES,
    async (c) => {
      const { name, version } = c.req.valid('param');
      const result = await verifyArtifact(
        ctx,
        { principal: c.get('principal'), requestId: c.get('requestId') },
        name,
        version,
      );
      return c.json(result, 200);
    },
  );
}
