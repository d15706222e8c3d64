import { createHash } from 'node:crypto';
import type { AppContext } from '../http/context.js';
import type { RouteEntry } from './rollout-routing.js';
import type { RolloutStrategy } from './rollout.rules.js';

export interface RoutingTable {
  etag: string;
  models: RouteEntry[];
  byModel: Map<string, RouteEntry>;
}

/** Content hash of a routing table's entries, as its ETag. */
function etagOf(models: readonly RouteEntry[]): string {
  return createHash('sha256').update(JSON.stringify(models)).digest('base64url').slice(0, 22);
}

/** How long one server reuses the table it read; weights change at most once per analysis. */
const CACHE_MS = 250;
const cache = new WeakMap<object, { at: number; table: RoutingTable }>();

/**
 * Every model with a champion or an active rollout, with the rollout's current candidate share.
 * Read once per `CACHE_MS` per store (a rollout's weights change at most once per analysis
 * interval of at least a second), so routing answers do not each query the database.
 */
export async function loadRoutingTable(ctx: AppContext): Promise<RoutingTable> {
  const hit = cache.get(ctx.store);
  const nowMs = Date.now();
  if (hit && nowMs - hit.at < CACHE_MS) return hit.table;
  const champions = await ctx.db
    .selectFrom('models')
    .leftJoin('model_versions', 'model_versions.id', 'models.champion_version_id')
    .select(['models.id', 'models.name', 'model_versions.version'])
    .orderBy('models.name')
    .execute();
  const rollouts = await ctx.db
    .selectFrom('rollouts')
    .select(['id', 'model_id', 'strategy', 'status', 'candidate_version', 'candidate_weight'])
    .where('active', '=', 1)
    .execute();
  const byModelId = new Map(rollouts.map((r) => [r.model_id, r]));
  const models: RouteEntry[] = [];
  for (const m of champions) {
    const r = byModelId.get(m.id);
    if (!m.version && !r) continue;
    const entry: RouteEntry = { model: m.name, champion: m.version ?? null };
    if (r) {
      const shadow = r.strategy === 'shadow' && r.status === 'progressing';
      entry.rollout = {
        id: r.id,
        strategy: r.strategy as RolloutStrategy,
        candidate: r.candidate_version,
        // A paused rollout keeps its weights; only an abort takes the candidate out.
        candidateWeight: Number(r.candidate_weight),
        shadow,
      };
    }
    models.push(entry);
  }
  const table = { etag: etagOf(models), models, byModel: new Map(models.map((e) => [e.model, e])) };
  cache.set(ctx.store, { at: nowMs, table });
  return table;
}

/** Forgets the cached table (after a change this server made, so its next answer reflects it). */
export function invalidateRoutingTable(ctx: AppContext): void {
  cache.delete(ctx.store);
}
