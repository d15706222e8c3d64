/**
 * Shadow comparison, pure: the champion's and the candidate's predictions on the same records
 * (the gateway mirrors each request and logs the candidate's answer under the same record id).
 * Classification: agreement rate, Cohen's κ, agreement per class; regression: mean absolute
 * difference and Pearson correlation. Both per segment, with the most disagreeing records.
 */

/** One mirrored record: both predictions, and the segment the champion's record carried. */
export interface ShadowPair {
  recordId: string;
  champion: string | number | boolean;
  candidate: string | number | boolean;
  segment: Record<string, string> | null;
}

export interface AgreementStats {
  n: number;
  /** Classification: share of records both models predicted alike. */
  agreementRate?: number;
  /** Classification: Cohen's κ (chance-corrected agreement); null when chance agreement is 1. */
  kappa?: number | null;
  /** Regression: mean |candidate − champion|. */
  meanAbsDifference?: number;
  /** Regression: Pearson correlation; null when either side is constant. */
  correlation?: number | null;
}

export interface ShadowReport extends AgreementStats {
  task: 'classification' | 'regression';
  /** Classification: per champion class, the share the candidate predicted alike. */
  perClass?: Record<string, { n: number; agreementRate: number }>;
  /** Per segment attribute value (`country=de`). */
  perSegment: Record<string, AgreementStats>;
  /** The records where the two disagree most (regression: largest difference), at most `limit`. */
  mostDisagreeing: Array<{ recordId: string; champion: unknown; candidate: unknown; difference?: number }>;
}

function isRegression(pairs: readonly ShadowPair[]): boolean {
  return (
    pairs.length > 0 && pairs.every((p) => typeof p.champion === 'number' && typeof p.candidate === 'number')
  );
}

/** Agreement rate and Cohen's κ of two label sequences (as `sklearn.metrics.cohen_kappa_score`). */
export function classificationAgreement(pairs: readonly ShadowPair[]): AgreementStats {
  const n = pairs.length;
  if (n === 0) return { n: 0, agreementRate: 0, kappa: null };
  const a = new Map<string, number>();
  const b = new Map<string, number>();
  let agree = 0;
  for (const p of pairs) {
    const x = String(p.champion);
    const y = String(p.candidate);
    if (x === y) agree++;
    a.set(x, (a.get(x) ?? 0) + 1);
    b.set(y, (b.get(y) ?? 0) + 1);
  }
  let chance = 0;
  for (const [label, count] of a) chance += (count / n) * ((b.get(label) ?? 0) / n);
  const po = agree / n;
  return { n, agreementRate: po, kappa: chance >= 1 ? null : (po - chance) / (1 - chance) };
}

/** Mean absolute difference and Pearson correlation of two numeric prediction sequences. */
export function regressionAgreement(pairs: readonly ShadowPair[]): AgreementStats {
  const n = pairs.length;
  if (n === 0) return { n: 0, meanAbsDifference: 0, correlation: null };
  let mx = 0;
  let my = 0;
  let mad = 0;
  for (const p of pairs) {
    mx += p.champion as number;
    my += p.candidate as number;
    mad += Math.abs((p.candidate as number) - (p.champion as number));
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (const p of pairs) {
    const dx = (p.champion as number) - mx;
    const dy = (p.candidate as number) - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return {
    n,
    meanAbsDifference: mad / n,
    correlation: sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : null,
  };
}

/** The full shadow report over the mirrored pairs. */
export function compareShadow(pairs: readonly ShadowPair[], limit = 10): ShadowReport {
  const regression = isRegression(pairs);
  const stats = regression ? regressionAgreement : classificationAgreement;
  const bySegment = new Map<string, ShadowPair[]>();
  for (const p of pairs)
    for (const [attr, value] of Object.entries(p.segment ?? {})) {
      const key = `${attr}=${value}`;
      let list = bySegment.get(key);
      if (!list) bySegment.set(key, (list = []));
      list.push(p);
    }
  const perSegment: Record<string, AgreementStats> = {};
  for (const key of [...bySegment.keys()].sort()) perSegment[key] = stats(bySegment.get(key)!);
  const report: ShadowReport = {
    task: regression ? 'regression' : 'classification',
    ...stats(pairs),
    perSegment,
    mostDisagreeing: [],
  };
  if (regression) {
    report.mostDisagreeing = pairs
      .map((p) => ({
        recordId: p.recordId,
        champion: p.champion,
        candidate: p.candidate,
        difference: Math.abs((p.candidate as number) - (p.champion as number)),
      }))
      .sort((x, y) => y.difference - x.difference || (x.recordId < y.recordId ? -1 : 1))
      .slice(0, limit);
  } else {
    const perClass: Record<string, { n: number; agreementRate: number }> = {};
    const byClass = new Map<string, { n: number; agree: number }>();
    for (const p of pairs) {
      const c = String(p.champion);
      const e = byClass.get(c) ?? { n: 0, agree: 0 };
      e.n++;
      if (String(p.candidate) === c) e.agree++;
      byClass.set(c, e);
    }
    for (const c of [...byClass.keys()].sort()) {
      const e = byClass.get(c)!;
      perClass[c] = { n: e.n, agreementRate: e.agree / e.n };
    }
    report.perClass = perClass;
    report.mostDisagreeing = pairs
      .filter((p) => String(p.champion) !== String(p.candidate))
      .sort((x, y) => (x.recordId < y.recordId ? -1 : 1))
      .slice(0, limit)
      .map((p) => ({ recordId: p.recordId, champion: p.champion, candidate: p.candidate }));
  }
  return report;
}
