import { z } from '@hono/zod-openapi';
import { piiFindingSchema } from './model.schema.js';

/** The kinds of document a version carries beside its artifact. */
export const ATTACHMENT_KINDS = ['sbom', 'modelCard'] as const;
export type AttachmentKind = (typeof ATTACHMENT_KINDS)[number];

/**
 * A CycloneDX JSON bill of materials. Only the envelope is checked (a JSON object with
 * `bomFormat: "CycloneDX"` and a `specVersion` such as "1.5"); everything else is kept as sent.
 */
export const cycloneDxSchema = z
  .looseObject({
    bomFormat: z.literal('CycloneDX', { error: 'must be "CycloneDX"' }),
    specVersion: z
      .string({ error: 'is required: the CycloneDX specification version, e.g. "1.5"' })
      .regex(/^\d+\.\d+$/, 'must be a CycloneDX specification version such as "1.5"'),
  })
  .openapi('CycloneDxSbom', { description: 'A software bill of materials in CycloneDX JSON' });

export const attachmentResultSchema = z
  .object({
    model: z.string(),
    version: z.string(),
    kind: z.enum(ATTACHMENT_KINDS),
    sha256: z.string().openapi({ description: 'SHA-256 of the stored document text' }),
    size: z.number().int().openapi({ description: 'Size of the stored text in bytes (UTF-8)' }),
    replaced: z.boolean().openapi({ description: 'A previous document of this kind was replaced' }),
    piiFindings: z.array(piiFindingSchema),
  })
  .openapi('Attachment', {
    description:
      'A document attached to a version (SBOM or model card): SHA-256, size and personal data found',
  });

export type AttachmentResult = z.infer<typeof attachmentResultSchema>;
