import { z } from '@hono/zod-openapi';
import { STAGES } from '../registry/version.schema.js';

export const HEALTH_LEVELS = ['critical', 'high', 'medium', 'low', 'ok'] as const;
export type Health = (typeof HEALTH_LEVELS)[number];

export const INVENTORY_SORTS = [
  'name',
  '-name',
  'tier',
  '-tier',
  'owner',
  '-owner',
  'health',
  '-health',
  'updated',
  '-updated',
] as const;
export type InventorySort = (typeof INVENTORY_SORTS)[number];

export const inventoryQuerySchema = z.object({
  q: z
    .string()
    .max(200)
    .optional()
    .openapi({ description: 'Text in name, display name, description or use case' }),
  tier: z.coerce.number().int().min(1).max(4).optional().openapi({ description: 'Risk tier' }),
  owner: z.string().max(200).optional(),
  team: z.string().max(200).optional(),
  stage: z
    .enum(STAGES)
    .optional()
    .openapi({ description: 'Models having at least one version in this stage' }),
  health: z
    .enum(HEALTH_LEVELS)
    .optional()
    .openapi({ description: 'Severity of the worst open alert, or `ok` for none' }),
  sort: z
    .enum(INVENTORY_SORTS)
    .default('name')
    .openapi({ description: 'Sort key; a leading `-` sorts descending. Ties are broken by name.' }),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(200)
    .default(50)
    .openapi({ description: 'Rows per page (1–200)' }),
  offset: z.coerce
    .number()
    .int()
    .min(0)
    .max(1_000_000)
    .default(0)
    .openapi({ type: 'integer', minimum: 0, maximum: 1_000_000, description: 'Rows to skip' }),
});
export type InventoryQuery = z.infer<typeof inventoryQuerySchema>;

export const inventoryRowSchema = z
  .object({
    name: z.string(),
    displayName: z.string().nullable(),
    owner: z.string(),
    team: z.string().nullable(),
    riskTier: z.number().int(),
    championVersion: z.string().nullable().openapi({ description: 'The version in production' }),
    latestVersion: z.string().nullable().openapi({ description: 'The most recently registered version' }),
    latestStage: z.string().nullable().openapi({ description: 'The stage of the latest version' }),
    health: z.enum(HEALTH_LEVELS).openapi({ description: 'Severity of the worst open alert, `ok` if none' }),
    openAlerts: z.number().int().openapi({ description: 'Alerts open or acknowledged' }),
    openChangeRequests: z.number().int().openapi({ description: 'Change requests not yet closed' }),
    updatedAt: z.string(),
  })
  .openapi('InventoryRow', { description: 'One model as the inventory lists it' });
export type InventoryRow = z.infer<typeof inventoryRowSchema>;

export const inventoryPageSchema = z
  .object({
    items: z.array(inventoryRowSchema),
    total: z.number().int().openapi({ description: 'Models matching the filters' }),
    offset: z.number().int(),
    limit: z.number().int(),
  })
  .openapi('InventoryPage', { description: 'A page of the model inventory' });
