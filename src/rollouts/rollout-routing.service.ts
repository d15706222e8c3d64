import { createHash, hash } from 'node:crypto';
import { hasOptedOut } from '../explanations/index.js';
import type { AppContext } from '../http/context.js';
import { localWriteGeneration } from '../http/local-writes.js';
import { decideRoute, type OptOutList, type RouteDecision, type RouteEntry } from './rollout-routing.js';
import type { RolloutStrategy } from './rollout.rules.js';

export interface RoutingTable {
  etag: string;
  models: RouteEntry[];
  byModel: Map<string, RouteEntry>;
  /**
   * Subjects who opted out of automated decisions, as `model + NUL + SHA-256 of the key` (model
   * empty for every model), read with the table; null when there are more than
   * {@link OPT_OUT_SNAPSHOT_MAX}, and then each decision asks the store.
   */
  optOuts: ReadonlySet<string> | null;
  /** The same opt-outs as the routing table body sends them to in-process routers. */
  optOutList: OptOutList;
}

/** Opt-outs kept in memory with the routing table; beyond this many each decision asks the store. */
export const OPT_OUT_SNAPSHOT_MAX = 20_000;

/** SHA-256 (hex) of a routing key, as opt-outs store the subject. */
export function subjectHashOf(key: string): string {
  return hash('sha256', key, 'hex');
}

/** The key of an opt-out in {@link RoutingTable.optOuts}. */
export function optOutKey(model: string, subjectSha256: string): string {
  return `${model}\u0000${subjectSha256}`;
}

/** Content hash of a routing table's entries and opt-outs, as its ETag. */
function etagOf(models: readonly RouteEntry[], optOuts: OptOutList): string {
  return createHash('sha256')
    .update(JSON.stringify([models, optOuts]))
    .digest('base64url')
    .slice(0, 22);
}

/**
 * How long one server reuses the table it read: the freshness bound of a routing answer for changes
 * made through another server sharing the database (weights change at most once per analysis).
 */
export const ROUTING_TABLE_MS = 250;
const cache = new WeakMap<object, { at: number; generation: number; table: RoutingTable }>();
/** The read in flight per store: concurrent requests that find the cache stale share it. */
const reading = new WeakMap<object, { generation: number; read: Promise<RoutingTable> }>();

/**
 * Every model with a champion or an active rollout, with the rollout's current candidate share, and
 * the opt-outs. Read at most once per {@link ROUTING_TABLE_MS} per store, so routing answers come
 * from memory and do not each query the database; requests arriving while a read is under way wait
 * for that read instead of starting their own. A write answered by this server (a champion, a
 * rollout's weights, an opt-out) makes the next answer read the table again.
 */
export async function loadRoutingTable(ctx: AppContext): Promise<RoutingTable> {
  const generation = localWriteGeneration(ctx.store);
  const hit = cache.get(ctx.store);
  if (hit && hit.generation === generation && Date.now() - hit.at < ROUTING_TABLE_MS) return hit.table;
  const pending = reading.get(ctx.store);
  if (pending && pending.generation === generation) return pending.read;
  const read = readRoutingTable(ctx, generation).finally(() => {
    if (reading.get(ctx.store)?.read === read) reading.delete(ctx.store);
  });
  reading.set(ctx.store, { generation, read });
  return read;
}

async function readRoutingTable(ctx: AppContext, generation: number): Promise<RoutingTable> {
  const startedAt = Date.now();
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
  // Opt-outs are read whole while they are few (one key per subject and model); past that, each
  // decision looks its key up in the store instead.
  const optOutRows = await ctx.db
    .selectFrom('decision_opt_outs')
    .select(['model_name', 'subject_sha256'])
    .orderBy('model_name')
    .orderBy('subject_sha256')
    .limit(OPT_OUT_SNAPSHOT_MAX + 1)
    .execute();
  const complete = optOutRows.length <= OPT_OUT_SNAPSHOT_MAX;
  const optOuts = complete ? new Set(optOutRows.map((r) => optOutKey(r.model_name, r.subject_sha256))) : null;
  const optOutList: OptOutList = {
    complete,
    subjects: complete
      ? optOutRows.map((r) => ({
          model: r.model_name === '' ? null : r.model_name,
          subjectSha256: r.subject_sha256,
        }))
      : [],
  };
  const table = {
    etag: etagOf(models, optOutList),
    models,
    byModel: new Map(models.map((e) => [e.model, e])),
    optOuts,
    optOutList,
  };
  // Dated from when the read began, so a table is never trusted for longer than ROUTING_TABLE_MS
  // after it was read; a newer table (a later write's) is not replaced by an older one.
  const current = cache.get(ctx.store);
  if (!current || current.generation <= generation)
    cache.set(ctx.store, { at: startedAt, generation, table });
  return table;
}

/** Forgets the cached table (after a change this server made, so its next answer reflects it). */
export function invalidateRoutingTable(ctx: AppContext): void {
  cache.delete(ctx.store);
  reading.delete(ctx.store);
}

/**
 * The routing answer for one request key (`GET /api/v1/models/{name}/route`), from the in-memory
 * table; a subject who opted out of automated decisions is sent to a person.
 */
export async function routeDecisionFor(ctx: AppContext, name: string, key: string): Promise<RouteDecision> {
  // Answered from memory: the table and the opt-outs are at most ROUTING_TABLE_MS old.
  const table = await loadRoutingTable(ctx);
  const optOuts = table.optOuts;
  let optedOut: boolean;
  if (optOuts === null) optedOut = await hasOptedOut(ctx.db, name, key);
  // No opt-outs at all: no key to hash.
  else if (optOuts.size === 0) optedOut = false;
  else {
    const subject = subjectHashOf(key);
    optedOut = optOuts.has(optOutKey('', subject)) || optOuts.has(optOutKey(name, subject));
  }
  if (optedOut) return { version: null, variant: 'human-review' };
  const entry = table.byModel.get(name);
  if (!entry) return { version: null, variant: 'champion' };
  return decideRoute(entry, key);
}
