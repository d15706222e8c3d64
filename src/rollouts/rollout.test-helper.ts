/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-assignment -- JSON bodies read back in tests */
import type { WorkflowHarness } from '../workflow/workflow.test-helper.js';

/** One simulated inference record as the gateway logs it. */
export interface SimRecord {
  id: string;
  prediction: string | number;
  error?: boolean;
  latencyMs?: number;
  segment?: Record<string, string>;
  score?: number;
  signals?: Record<string, boolean | string>;
  at?: Date;
}

/**
 * Puts 1.0.0 of a tier-3 model into production and gets 1.1.0's production change request approved
 * (it then waits for a rollout), through the real workflow. Returns the change request id.
 */
export async function championAndApprovedCandidate(h: WorkflowHarness, model: string): Promise<string> {
  await h.createModel(model, 3);
  await h.createVersion(model, '1.0.0');
  await h.createVersion(model, '1.1.0');
  const dana = await h.as('dana', ['data-scientist']);
  const peer = await h.as('pete', ['data-scientist']);
  const eng = await h.as('eve', ['ml-engineer']);
  const decide = (token: string, id: string, role: string) =>
    h.s.api('POST', `/api/v1/change-requests/${id}/decisions`, {
      token,
      body: { decision: 'approve', role },
    });
  let last = '';
  for (const version of ['1.0.0', '1.1.0']) {
    const staged = await h.s.api('POST', `/api/v1/models/${model}/versions/${version}/transitions`, {
      token: dana,
      body: { to: 'staging', reason: 'review' },
    });
    await decide(peer, staged.body.id, 'data-scientist');
    const run = await h.storeRun(model, version, 'full', true);
    const cr = await h.s.api('POST', `/api/v1/models/${model}/versions/${version}/transitions`, {
      token: dana,
      body: { to: 'production', reason: 'release', evidence: [run] },
    });
    await decide(peer, cr.body.id, 'data-scientist');
    const done = await decide(eng, cr.body.id, 'ml-engineer');
    last = done.body.id;
    const expected = version === '1.0.0' ? 'executed' : 'approved';
    if (done.body.status !== expected) throw new Error(`${version}: ${JSON.stringify(done.body)}`);
  }
  return last;
}

/** Ingests simulated records for one version (stamped now unless given), in batches. */
export async function ingest(
  h: WorkflowHarness,
  model: string,
  version: string,
  records: SimRecord[],
): Promise<void> {
  for (let i = 0; i < records.length; i += 5000) {
    const body = records.slice(i, i + 5000).map((r) => ({
      id: r.id,
      timestamp: (r.at ?? h.clock.now).toISOString(),
      features: { x: 1 },
      prediction: r.prediction,
      error: r.error ?? false,
      latencyMs: r.latencyMs ?? 20,
      ...(r.segment ? { segment: r.segment } : {}),
      ...(r.score !== undefined ? { score: r.score } : {}),
      ...(r.signals ? { signals: r.signals } : {}),
    }));
    const res = await h.s.api('POST', `/api/v1/models/${model}/versions/${version}/inferences`, { body });
    if (res.status !== 200) throw new Error(`ingest ${version}: ${res.status} ${JSON.stringify(res.body)}`);
  }
}

/** `n` healthy records named `prefix-i`, every `errorEvery`-th one an error (0: none). */
export function traffic(prefix: string, n: number, errorEvery = 0, latency = 20): SimRecord[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `${prefix}-${i}`,
    prediction: i % 3 === 0 ? 'yes' : 'no',
    error: errorEvery > 0 && i % errorEvery === 0,
    latencyMs: latency + (i % 10),
  }));
}

export function advance(h: WorkflowHarness, seconds: number): void {
  h.clock.now = new Date(h.clock.now.getTime() + seconds * 1000);
}

export async function rolloutOf(h: WorkflowHarness, model: string, id: string): Promise<any> {
  return (await h.s.api('GET', `/api/v1/models/${model}/rollouts/${id}`)).body;
}

/**
 * Asks for a rollout and, when its plan is looser than the tier's policy (202, a governance
 * change request), has fresh principals approve it as the request names; returns the answer to
 * the request and the started rollout (the body of a 201, else the rollout the approvals started).
 */
export async function startWithApprovals(
  h: WorkflowHarness,
  model: string,
  body: Record<string, unknown>,
  token?: string,
): Promise<{ status: number; body: any; changeRequestId?: string }> {
  const asked = await h.s.api('POST', `/api/v1/models/${model}/rollouts`, {
    token: token ?? (await h.as('mo', ['mlops'])),
    body,
  });
  if (asked.status !== 202) return asked;
  const cr = asked.body.id as string;
  for (const r of asked.body.required as Array<{ role: string; count: number }>)
    for (let i = 0; i < r.count; i++) {
      const voter = await h.as(`gov-${r.role}-${i}`, [
        r.role as Parameters<WorkflowHarness['as']>[1][number],
      ]);
      const res = await h.s.api('POST', `/api/v1/change-requests/${cr}/decisions`, {
        token: voter,
        body: { decision: 'approve', role: r.role },
      });
      if (res.status !== 200) throw new Error(`approve ${cr} as ${r.role}: ${JSON.stringify(res.body)}`);
    }
  const current = await h.s.api('GET', `/api/v1/models/${model}/rollouts/current`);
  return { status: current.status === 200 ? 201 : current.status, body: current.body, changeRequestId: cr };
}
