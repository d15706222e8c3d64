import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { AttributionProfile } from './attribution-profile.js';
import { attributionDrift, globalImportance, additivityViolationRate } from './explanation.rules.js';
import {
  attributionDistance,
  correlationOf,
  featuresForShare,
  pearson,
  spearman,
} from './explanation.stats.js';

/** Runs a Python snippet with Debian's numpy/scipy and returns its JSON output. */
function python(code: string, input: unknown): any {
  const run = spawnSync('/usr/bin/python3', ['-c', code], { input: JSON.stringify(input), encoding: 'utf8' });
  if (run.status !== 0) throw new Error(run.stderr);
  return JSON.parse(run.stdout);
}

/** A small deterministic generator (LCG) for test data. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

describe('explanation formulas against scipy', () => {
  const rand = lcg(7);
  const cases = Array.from({ length: 6 }, (_, k) => {
    const n = 5 + k * 7;
    // Rounded values make ties, which Spearman must average like scipy.
    const x = Array.from({ length: n }, () => Math.round(rand() * 10) / 2);
    const y = x.map((v) => Math.round((v + rand() * 3 - 1.5) * 2) / 2);
    return { x, y };
  });
  const expected = python(
    `import json,sys
from scipy import stats
out=[]
for c in json.load(sys.stdin):
    out.append({"spearman": float(stats.spearmanr(c["x"], c["y"]).correlation), "pearson": float(stats.pearsonr(c["x"], c["y"])[0])})
print(json.dumps(out))`,
    cases,
  ) as { spearman: number; pearson: number }[];

  it.each(cases.map((c, i) => [i, c] as const))(
    'case %i: Spearman (with ties) and Pearson match scipy',
    (i, c) => {
      expect(spearman(c.x, c.y)).toBeCloseTo(expected[i]!.spearman, 12);
      expect(pearson(c.x, c.y)).toBeCloseTo(expected[i]!.pearson, 12);
    },
  );

  it('is undefined without variance', () => {
    expect(spearman([1, 1, 1], [1, 2, 3])).toBeNull();
    expect(pearson([1], [2])).toBeNull();
  });
});

describe('sparsity, distance and the attribution profile', () => {
  it('counts the features needed for 80 % of |attribution| (hand computation)', () => {
    // |a| = 5, 3, 1, 1 → total 10; 5 < 8, 5+3 = 8 ≥ 8 → 2 features.
    expect(featuresForShare([-3, 5, 1, -1])).toBe(2);
    // 4, 3, 2, 1 → total 10; 4, 7, 9 → 3 features.
    expect(featuresForShare([1, 2, 3, 4])).toBe(3);
    expect(featuresForShare([0, 0])).toBeNull();
    expect(featuresForShare([0.5])).toBe(1);
  });

  it('measures the attribution distance of two records (hand computation)', () => {
    // |1−0.5| + |−2−(−2)| + |0−1| = 1.5 over (1+2) + (0.5+2+1) = 6.5.
    expect(attributionDistance({ a: 1, b: -2 }, { a: 0.5, b: -2, c: 1 })).toBeCloseTo(1.5 / 6.5, 15);
    expect(attributionDistance({ a: 1 }, { a: 1 })).toBe(0);
    expect(attributionDistance({ a: 1 }, { a: -1 })).toBe(1);
  });

  it('global importance and drift match numpy/scipy on the same records, and merging equals one profile', () => {
    const rand = lcg(11);
    const features = ['f1', 'f2', 'f3', 'f4', 'f5', 'f6'];
    const make = (scale: number[]) =>
      Array.from({ length: 60 }, () =>
        Object.fromEntries(features.map((f, j) => [f, (rand() * 2 - 1) * scale[j]!])),
      );
    const current = make([5, 4, 3, 2, 1, 0.5]);
    const reference = make([1, 4, 3, 5, 2, 0.5]);
    const whole = new AttributionProfile();
    const halves = [new AttributionProfile(), new AttributionProfile()];
    current.forEach((values, i) => {
      whole.add({ values });
      halves[i % 2]!.add({ values });
    });
    const merged = AttributionProfile.fromJSON(halves[0]!.toJSON());
    merged.merge(AttributionProfile.fromJSON(JSON.parse(JSON.stringify(halves[1]!.toJSON()))));
    const ref = new AttributionProfile();
    for (const values of reference) ref.add({ values });

    const expected = python(
      `import json,sys
import numpy as np
from scipy import stats
d=json.load(sys.stdin)
f=d["features"]
cur=np.array([[r[k] for k in f] for r in d["current"]])
ref=np.array([[r[k] for k in f] for r in d["reference"]])
mc=np.abs(cur).mean(axis=0); mr=np.abs(ref).mean(axis=0)
k80=[]
for r in np.abs(cur):
    s=np.sort(r)[::-1]; c=np.cumsum(s); k80.append(int(np.argmax(c>=0.8*c[-1]))+1)
print(json.dumps({"meanAbs": mc.tolist(), "share": (mc/mc.sum()).tolist(), "rho": float(stats.spearmanr(mc, mr).correlation),
  "shareChange": (mc/mc.sum()-mr/mr.sum()).tolist(), "sparsity": float(np.mean(k80))}))`,
      { features, current, reference },
    ) as { meanAbs: number[]; share: number[]; rho: number; shareChange: number[]; sparsity: number };

    for (const profile of [whole, merged]) {
      const importance = new Map(globalImportance(profile).map((g) => [g.feature, g]));
      features.forEach((f, j) => {
        expect(importance.get(f)!.meanAbs).toBeCloseTo(expected.meanAbs[j]!, 12);
        expect(importance.get(f)!.share).toBeCloseTo(expected.share[j]!, 12);
      });
      const drift = attributionDrift(profile, ref);
      expect(drift.rankCorrelation).toBeCloseTo(expected.rho, 12);
      const changes = new Map(drift.shareChanges.map((s) => [s.feature, s.change]));
      features.forEach((f, j) => expect(changes.get(f)).toBeCloseTo(expected.shareChange[j]!, 12));
      expect(profile.sparsity.sum / profile.sparsity.n).toBeCloseTo(expected.sparsity, 12);
    }
  });

  it('judges additivity by |Σ attributions + base − score| against the tolerance', () => {
    const p = new AttributionProfile();
    // Residuals 0, 0.001, 0.5 and 2: two of four lie beyond a tolerance of 0.01.
    p.add({ values: { a: 0.2, b: 0.3 }, baseValue: 0.1, score: 0.6 });
    p.add({ values: { a: 0.2, b: 0.3 }, baseValue: 0.1, score: 0.601 });
    p.add({ values: { a: 0.2, b: 0.3 }, baseValue: 0.1, score: 1.1 });
    p.add({ values: { a: 1, b: 1 }, baseValue: 0, score: 0 });
    p.add({ values: { a: 1 } }); // no base value: not judged
    expect(p.additivity.n).toBe(4);
    expect(additivityViolationRate(p, 0.01)).toBe(0.5);
    expect(p.additivity.max).toBeCloseTo(2, 12);
  });

  it('computes fidelity as the correlation of Δ Σ attributions with Δ score over probe pairs (scipy)', () => {
    const rand = lcg(3);
    const p = new AttributionProfile();
    const xs: number[] = [];
    const ys: number[] = [];
    for (let i = 0; i < 25; i++) {
      const base = { values: { a: rand(), b: rand() }, score: rand() };
      const probe = { values: { a: rand(), b: rand() }, score: rand() };
      p.addPair(base, probe, true);
      xs.push(probe.values.a + probe.values.b - (base.values.a + base.values.b));
      ys.push(probe.score - base.score);
    }
    const r = python(
      `import json,sys
from scipy import stats
d=json.load(sys.stdin); print(json.dumps(float(stats.pearsonr(d[0], d[1])[0])))`,
      [xs, ys],
    ) as number;
    const merged = AttributionProfile.fromJSON(p.toJSON());
    expect(merged.fidelity.n).toBe(25);
    expect(correlationOf(merged.fidelity)).toBeCloseTo(r, 12);
  });
});
