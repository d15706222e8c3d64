import type { AppContext } from '../http/context.js';
import { documentationPolicy, getActivePolicy } from '../policy/index.js';
import { generatePeriodicReport } from './report.service.js';

/**
 * The last complete reporting period before `now` for a cadence in days. Cadences of whole
 * months (30 → monthly, 90 → quarterly, 182 → half-yearly, 365 → yearly) follow the calendar, in
 * UTC; any other cadence counts fixed blocks of days from 1970-01-01.
 */
export function lastCompletePeriod(now: Date, cadenceDays: number): { from: string; to: string } {
  const months = (
    { 30: 1, 31: 1, 90: 3, 91: 3, 92: 3, 182: 6, 183: 6, 365: 12, 366: 12 } as Record<number, number>
  )[cadenceDays];
  if (months !== undefined) {
    const index = now.getUTCFullYear() * 12 + now.getUTCMonth();
    const endIndex = index - (index % months);
    const end = new Date(Date.UTC(Math.floor(endIndex / 12), endIndex % 12, 1));
    const startIndex = endIndex - months;
    const start = new Date(Date.UTC(Math.floor(startIndex / 12), startIndex % 12, 1));
    return { from: start.toISOString(), to: end.toISOString() };
  }
  const day = 86_400_000 * cadenceDays;
  const end = Math.floor(now.getTime() / day) * day;
  return { from: new Date(end - day).toISOString(), to: new Date(end).toISOString() };
}

/**
 * Generates the periodic report of each model in production for its tier's last complete period,
 * once: the schedule key makes a second server's (or a second round's) report a no-op. Returns how
 * many reports were stored.
 */
export async function generateDueReports(ctx: AppContext): Promise<number> {
  const now = ctx.now();
  const policy = (await getActivePolicy(ctx.db)).document;
  const models = await ctx.db
    .selectFrom('models')
    .select(['id', 'name', 'risk_tier'])
    .where('champion_version_id', 'is not', null)
    .orderBy('id')
    .execute();
  let stored = 0;
  for (const m of models) {
    const cadence = documentationPolicy(policy, Number(m.risk_tier)).periodicReportDays;
    if (cadence === null) continue;
    const period = lastCompletePeriod(now, cadence);
    const key = `periodic:${m.id}:${period.from}:${period.to}`;
    const exists = await ctx.db
      .selectFrom('governance_reports')
      .select('id')
      .where('schedule_key', '=', key)
      .executeTakeFirst();
    if (exists) continue;
    const report = await generatePeriodicReport(
      ctx,
      { name: 'warden', requestId: null },
      { model: m.name, ...period },
      'schedule',
      key,
    );
    if (report) stored++;
  }
  return stored;
}

export const reportScheduleTask = {
  name: 'periodic-reports',
  intervalMs: 3_600_000,
  runOnce: async (ctx: AppContext) => {
    await generateDueReports(ctx);
  },
};
