/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-assignment -- JSON read back for tests to check */
import type { TestServer } from '../../test/support/server.js';
import { publishMonitorOutcome, type CheckedModel, type MonitorCheck } from '../monitoring/index.js';

/** What one evaluation changed, as the alert, incident and retraining reactions count it. */
export interface ProcessedChecks {
  /** Alerts opened. */
  opened: number;
  /** Alerts resolved after enough clean windows. */
  resolved: number;
  /** Incidents opened. */
  incidents: number;
  /** Retraining requests created (reasons merged into an open request do not count). */
  retraining: number;
}

/** A mutable clock for tests: `now()` is what the server sees. */
export function testClock(start: string): {
  now: () => Date;
  set(iso: string): void;
  advanceMinutes(m: number): void;
} {
  let current = new Date(start);
  return {
    now: () => current,
    set(iso) {
      current = new Date(iso);
    },
    advanceMinutes(m) {
      current = new Date(current.getTime() + m * 60_000);
    },
  };
}

/** Registers a model (and a version) through the API and returns the model a monitor outcome names. */
export async function registerModel(
  server: TestServer,
  name: string,
  riskTier: number,
): Promise<CheckedModel> {
  const created = await server.api('POST', '/api/v1/models', { body: { name, owner: 'alice', riskTier } });
  if (created.status !== 201) throw new Error(`model not created: ${JSON.stringify(created.body)}`);
  const version = await server.api('POST', `/api/v1/models/${name}/versions`, {
    body: {
      version: '1.0.0',
      framework: 'sklearn',
      lineage: { datasets: [{ name: 'train', uri: 's3://data/train.parquet', sha256: 'a'.repeat(64) }] },
      metrics: { accuracy: 0.9 },
    },
  });
  if (version.status !== 201) throw new Error(`version not created: ${JSON.stringify(version.body)}`);
  return { id: (created.body as { id: string }).id, name, riskTier };
}

/** A check of one window; `minutes` is the window's end, counted from 2026-01-01T00:00Z. */
export function check(
  rule: string,
  status: MonitorCheck['status'],
  minutes: number,
  extra: Partial<MonitorCheck> = {},
): MonitorCheck {
  const t0 = Date.parse('2026-01-01T00:00:00.000Z');
  return {
    rule,
    value: status === 'ok' ? 0.01 : 0.3,
    threshold: 0.1,
    status,
    window: {
      from: new Date(t0 + (minutes - 60) * 60_000).toISOString(),
      to: new Date(t0 + minutes * 60_000).toISOString(),
      records: 1000,
    },
    policyRule: 'triggers.dataDriftPsi',
    version: '1.0.0',
    ...extra,
  };
}

/** Publishes an outcome through the real seam inside a transaction, as the monitoring evaluation does. */
export async function process(
  server: TestServer,
  model: CheckedModel,
  checks: MonitorCheck[],
  now: Date = server.ctx.now(),
): Promise<ProcessedChecks> {
  const counts = await server.ctx.db
    .transaction()
    .execute((trx) => publishMonitorOutcome(trx, server.ctx, { model, version: '1.0.0', checks, now }));
  return { opened: 0, resolved: 0, incidents: 0, retraining: 0, ...counts };
}

/** Audit entries about one subject, oldest first. */
export async function auditOf(
  server: TestServer,
  subject: string,
): Promise<Array<{ action: string; actor: string; change: any }>> {
  const rows = await server.ctx.db
    .selectFrom('audit_log')
    .select(['action', 'actor', 'change'])
    .where('subject', '=', subject)
    .orderBy('seq')
    .execute();
  return rows.map((r) => ({ action: r.action, actor: r.actor, change: JSON.parse(r.change) }));
}

/** Outbox rows of one event type, oldest first. */
export async function outbox(
  server: TestServer,
  type: string,
): Promise<Array<{ subject: string; url: string; subscriptionId: string | null; body: any }>> {
  const rows = await server.ctx.db
    .selectFrom('webhook_deliveries')
    .select(['subject', 'url', 'subscription_id', 'body'])
    .where('event_type', '=', type)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map((r) => ({
    subject: r.subject,
    url: r.url,
    subscriptionId: r.subscription_id,
    body: JSON.parse(r.body),
  }));
}
