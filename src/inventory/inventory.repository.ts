import { sql, type Expression, type SqlBool } from 'kysely';
import type { Executor } from '../db/database.js';
import { hasVersionInStage, matchesModelText } from '../registry/model.repository.js';
import type { Health, InventoryQuery, InventoryRow } from './inventory.schema.js';

/** Change-request statuses that still wait for a decision or an execution. */
const OPEN_REQUEST_STATUSES = ['requested', 'in_review', 'approved'];
const RANK_TO_HEALTH: Record<number, Health> = { 4: 'critical', 3: 'high', 2: 'medium', 1: 'low' };
const HEALTH_TO_RANK: Record<Health, number> = { critical: 4, high: 3, medium: 2, low: 1, ok: 0 };

/** The worst active alert of `models.id`, as a rank (4 critical … 1 low, 0 none). */
const healthRank = sql<number>`coalesce((select max(case a.severity when 'critical' then 4 when 'high' then 3 when 'medium' then 2 else 1 end) from alerts a where a.model_id = models.id and a.status <> 'resolved'), 0)`;

function filtered(db: Executor, f: InventoryQuery) {
  let q = db.selectFrom('models');
  if (f.tier !== undefined) q = q.where('models.risk_tier', '=', f.tier);
  if (f.owner) q = q.where('models.owner', '=', f.owner);
  if (f.team) q = q.where('models.team', '=', f.team);
  if (f.stage) {
    const stage = f.stage;
    q = q.where((eb) => hasVersionInStage(eb, stage));
  }
  if (f.q) {
    const text = f.q;
    q = q.where((eb) => matchesModelText(eb, text));
  }
  if (f.health) q = q.where(sql<SqlBool>`${healthRank} = ${HEALTH_TO_RANK[f.health]}` as Expression<SqlBool>);
  return q;
}

/** One page of the inventory and the number of models matching, filtered, sorted and counted in SQL. */
export async function findInventoryPage(
  db: Executor,
  f: InventoryQuery,
): Promise<{ items: InventoryRow[]; total: number }> {
  const descending = f.sort.startsWith('-');
  const key = descending ? f.sort.slice(1) : f.sort;
  const direction = descending ? 'desc' : 'asc';
  let q = filtered(db, f)
    .leftJoin('model_versions as cv', 'cv.id', 'models.champion_version_id')
    .select([
      'models.name',
      'models.display_name',
      'models.owner',
      'models.team',
      'models.risk_tier',
      'models.updated_at',
      'cv.version as champion_version',
      healthRank.as('health_rank'),
      sql<number>`(select count(*) from alerts a where a.model_id = models.id and a.status <> 'resolved')`.as(
        'open_alerts',
      ),
      (eb) =>
        eb
          .selectFrom('change_requests as r')
          .select((e) => e.fn.countAll<number>().as('n'))
          .whereRef('r.model_id', '=', 'models.id')
          .where('r.status', 'in', OPEN_REQUEST_STATUSES)
          .as('open_requests'),
      (eb) =>
        eb
          .selectFrom('model_versions as lv')
          .select('lv.version')
          .whereRef('lv.model_id', '=', 'models.id')
          .orderBy('lv.created_at', 'desc')
          .orderBy('lv.id', 'desc')
          .limit(1)
          .as('latest_version'),
      (eb) =>
        eb
          .selectFrom('model_versions as lv')
          .select('lv.stage')
          .whereRef('lv.model_id', '=', 'models.id')
          .orderBy('lv.created_at', 'desc')
          .orderBy('lv.id', 'desc')
          .limit(1)
          .as('latest_stage'),
    ]);
  if (key === 'tier') q = q.orderBy('models.risk_tier', direction);
  else if (key === 'owner') q = q.orderBy('models.owner', direction);
  else if (key === 'updated') q = q.orderBy('models.updated_at', direction);
  else if (key === 'health') q = q.orderBy(sql`health_rank`, direction);
  q = q.orderBy('models.name', key === 'name' ? direction : 'asc');
  const [rows, count] = await Promise.all([
    q.limit(f.limit).offset(f.offset).execute(),
    filtered(db, f)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow(),
  ]);
  return {
    total: Number(count.n),
    items: rows.map((r) => ({
      name: r.name,
      displayName: r.display_name,
      owner: r.owner,
      team: r.team,
      riskTier: r.risk_tier,
      championVersion: r.champion_version,
      latestVersion: r.latest_version,
      latestStage: r.latest_stage,
      health: RANK_TO_HEALTH[Number(r.health_rank)] ?? 'ok',
      openAlerts: Number(r.open_alerts),
      openChangeRequests: Number(r.open_requests ?? 0),
      updatedAt: r.updated_at,
    })),
  };
}
