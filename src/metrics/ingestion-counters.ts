/**
 * Records ingested by this server process, per model: accepted and rejected. Counters start at
 * zero when the process starts, as Prometheus counters do; the scraper computes rates.
 */
const counters = new Map<string, { accepted: number; rejected: number }>();

/** Adds one batch's counts; called by ingestion after each batch is accepted or refused. */
export function recordIngestion(model: string, accepted: number, rejected: number): void {
  const current = counters.get(model) ?? { accepted: 0, rejected: 0 };
  current.accepted += Math.max(0, accepted);
  current.rejected += Math.max(0, rejected);
  counters.set(model, current);
}

/** A copy of the counters, by model name. */
export function ingestionCounts(): Array<{ model: string; accepted: number; rejected: number }> {
  return [...counters.entries()]
    .map(([model, c]) => ({ model, ...c }))
    .sort((a, b) => (a.model < b.model ? -1 : a.model > b.model ? 1 : 0));
}
