import { spawnSync } from 'node:child_process';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { describeEachBackend } from '../../test/support/stores.js';
import { startTestServer, type TestServer } from '../../test/support/server.js';
import { post, registerMonitoredModel } from '../monitoring/monitoring.test-helper.js';

const NOW = '2026-03-02T10:30:00.000Z';
const V = '/api/v1/models/credit/versions/1.0.0';

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

describeEachBackend('explanation monitors in the monitoring results', (backend) => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startTestServer(backend, { now: () => new Date(NOW) });
    await registerMonitoredModel(server, 'credit');
  });
  afterEach(async () => {
    await server.close();
  });

  it('reports global importance, attribution drift and stability under `explanations`, matching numpy/scipy', async () => {
    const rand = lcg(5);
    const names = ['amount', 'age', 'country'];
    const attr = (scale: number[]) =>
      Object.fromEntries(names.map((f, j) => [f, (rand() * 2 - 1) * scale[j]!]));
    const reference = Array.from({ length: 40 }, () => ({
      features: { amount: 100, age: 30, country: 'de' },
      attributions: attr([1, 3, 2]),
    }));
    const window = Array.from({ length: 40 }, (_, i) => ({
      id: `r${i}`,
      timestamp: '2026-03-02T09:15:00Z',
      features: { amount: 100 + i, age: 30, country: 'de' },
      prediction: 1,
      attributions: attr([3, 1, 2]),
    }));
    await post(server, `${V}/reference`, reference);
    await post(server, `${V}/inferences`, window);
    // A probe of r0 with attributions changed by a known amount: distance 0.5 / (Σ|a| + Σ|b|).
    const base = window[0]!.attributions as Record<string, number>;
    const probe = { ...base, amount: base.amount! + 0.5 };
    await post(server, `${V}/inferences`, [
      {
        id: 'p0',
        timestamp: '2026-03-02T09:16:00Z',
        features: { amount: 101, age: 30, country: 'de' },
        prediction: 1,
        attributions: probe,
        probeOf: 'r0',
      },
    ]);
    const run = await server.api('POST', '/api/v1/models/credit/monitoring/run?rules=explanations');
    expect(run.status).toBe(200);
    const results = await server.api('GET', '/api/v1/models/credit/monitoring?rule=explanations');
    const summary = results.body.items[0].explanations;

    const py = spawnSync(
      '/usr/bin/python3',
      [
        '-c',
        `import json,sys
import numpy as np
from scipy import stats
d=json.load(sys.stdin); f=d["names"]
cur=np.abs(np.array([[r[k] for k in f] for r in d["cur"]])).mean(axis=0)
ref=np.abs(np.array([[r[k] for k in f] for r in d["ref"]])).mean(axis=0)
print(json.dumps({"meanAbs": dict(zip(f, cur.tolist())), "rho": float(stats.spearmanr(cur, ref).correlation)}))`,
      ],
      {
        input: JSON.stringify({
          names,
          cur: window.map((w) => w.attributions),
          ref: reference.map((r) => r.attributions),
        }),
        encoding: 'utf8',
      },
    );
    const expected = JSON.parse(py.stdout) as { meanAbs: Record<string, number>; rho: number };
    expect(summary.records).toBe(40);
    expect(summary.globalImportance).toHaveLength(3);
    for (const g of summary.globalImportance as { feature: string; meanAbs: number }[])
      expect(g.meanAbs).toBeCloseTo(expected.meanAbs[g.feature]!, 10);
    expect(summary.drift.rankCorrelation).toBeCloseTo(expected.rho, 10);
    const scale =
      Object.values(base).reduce((s, v) => s + Math.abs(v), 0) +
      Object.values(probe).reduce((s, v) => s + Math.abs(v), 0);
    expect(summary.quality.stabilityPairs).toBe(1);
    expect(summary.quality.stability).toBeCloseTo(1 - 0.5 / scale, 10);
    const rules = new Set((run.body.checks as { rule: string }[]).map((c) => c.rule));
    expect(rules).toEqual(
      new Set([
        'explanations',
        'attribution_share_change',
        'attribution_additivity',
        'attribution_coverage',
        'explanation_sparsity',
        'explanation_stability',
        'explanation_fidelity',
      ]),
    );
  });
});
