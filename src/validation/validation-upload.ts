import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { z } from '@hono/zod-openapi';
import { WardenError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import type { AppContext } from '../http/context.js';
import { zodIssueToError } from '../http/errors.js';
import { readTable } from '../io/index.js';
import { VALIDATION_LEVELS } from '../policy/index.js';
import type { Actor } from '../registry/registry.service.js';
import { tableToValidationRecords } from './table-request.js';
import { runValidationSchema, type ValidationRun } from './validation.schema.js';
import { runValidation } from './validation.service.js';

const column = z.string().min(1).max(200);
const columnList = z
  .string()
  .max(10_000)
  .transform((v) =>
    v
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== ''),
  );
const nonNegative = z.coerce
  .number()
  .refine((v) => Number.isFinite(v) && v >= 0, 'must be a number >= 0')
  .openapi({ type: 'number', minimum: 0 });

/** Query of an uploaded evaluation file: its format and which column plays which part. */
export const uploadQuerySchema = z.object({
  format: z.enum(['csv', 'tsv', 'ndjson', 'parquet']),
  label: column,
  score: column.optional(),
  prediction: column.optional(),
  segment: columnList.optional().openapi({ description: 'Comma-separated segment columns' }),
  sensitive: columnList.optional().openapi({ description: 'Comma-separated sensitive-attribute columns' }),
  feature: columnList
    .optional()
    .openapi({ description: 'Comma-separated feature columns (default: all others)' }),
  championScore: column.optional(),
  championPrediction: column.optional(),
  level: z.enum(VALIDATION_LEVELS).optional(),
  threshold: z.coerce.number().min(0).max(1).openapi({ type: 'number', minimum: 0, maximum: 1 }).optional(),
  latencyP95Ms: nonNegative.optional(),
  latencyP99Ms: nonNegative.optional(),
  peakMemoryMb: nonNegative.optional(),
  memoryLimitMb: nonNegative.optional(),
});
export type UploadQuery = z.infer<typeof uploadQuerySchema>;

function capBytes(max: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      seen += chunk.length;
      if (seen > max) done(new WardenError('payload_too_large', `evaluation file exceeds ${max} bytes`));
      else done(null, chunk);
    },
  });
}

/**
 * Runs the validation suite on an uploaded table file (CSV, TSV, NDJSON or Parquet). The file is
 * spooled to a temporary file, read with the same readers as the offline reports, turned into
 * the JSON request and checked by the same schema: record `i` is data row `i + 1`.
 */
export async function runValidationFromFile(
  ctx: AppContext,
  actor: Actor,
  modelName: string,
  versionName: string,
  body: Readable,
  query: UploadQuery,
): Promise<ValidationRun> {
  const file = path.join(os.tmpdir(), `warden-validation-${newId('up')}.${query.format}`);
  try {
    await pipeline(body, capBytes(4 * ctx.config.maxJsonBytes), createWriteStream(file));
    const table = await readTable(file);
    const { records, champion } = tableToValidationRecords(table, query);
    const request: Record<string, unknown> = { records };
    if (champion) request.champion = champion;
    const evidence = {
      latencyP95Ms: query.latencyP95Ms,
      latencyP99Ms: query.latencyP99Ms,
      peakMemoryMb: query.peakMemoryMb,
      memoryLimitMb: query.memoryLimitMb,
    };
    if (Object.values(evidence).some((v) => v !== undefined))
      request.evidence = JSON.parse(JSON.stringify(evidence));
    if (query.level) request.level = query.level;
    if (query.threshold !== undefined) request.threshold = query.threshold;
    const parsed = runValidationSchema.safeParse(request);
    if (!parsed.success) throw zodIssueToError(parsed.error, 'file');
    return await runValidation(ctx, actor, modelName, versionName, parsed.data);
  } finally {
    await rm(file, { force: true });
  }
}
