import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The product version, as released. */
export const WARDEN_VERSION = '0.1.0';

/** Request durations in seconds: from a cached read (a millisecond) to a large upload (a minute). */
const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** Methods named as such; anything else is counted as `other`, so a client cannot add label values. */
const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

interface ProcessMetrics {
  registry: Registry;
  duration: Histogram<'method' | 'route' | 'status'>;
  schedulerSlots: Counter<'outcome'>;
  schedulerLag: Gauge;
}

let metrics: ProcessMetrics | undefined;

/**
 * The process's own metrics, created on first use: one registry per process (several apps in one
 * process, as in tests, share it, as they share the process), holding the default `process_*`
 * and `nodejs_*` metrics, `warden_build_info` and the request duration histogram.
 */
function processMetrics(): ProcessMetrics {
  if (metrics) return metrics;
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const buildInfo = new Gauge({
    name: 'warden_build_info',
    help: 'Always 1; the labels name the Warden version and the Node.js version this server runs.',
    labelNames: ['version', 'node'],
    registers: [registry],
  });
  buildInfo.set({ version: WARDEN_VERSION, node: process.versions.node }, 1);
  metrics = {
    registry,
    duration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'Time from receiving a request to its response headers, by method, route template and status class.',
      labelNames: ['method', 'route', 'status'],
      buckets: DURATION_BUCKETS,
      registers: [registry],
    }),
    schedulerSlots: new Counter({
      name: 'warden_monitor_slots_total',
      help: 'Scheduled monitor evaluations this server ran, by outcome: on_time, or late (started after their slot plus the scheduler round); a late slot is run, never skipped.',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    schedulerLag: new Gauge({
      name: 'warden_monitor_schedule_lag_seconds',
      help: 'How far behind its slot the most recently started scheduled evaluation on this server was.',
      registers: [registry],
    }),
  };
  return metrics;
}

/** `2xx`, `4xx` …: the status class keeps one series per class rather than per code. */
export function statusClass(status: number): string {
  return status >= 100 && status < 600 ? `${Math.floor(status / 100)}xx` : 'other';
}

/** Records one answered request; `route` is the declared template (or `unmatched`). */
export function observeHttpRequest(method: string, route: string, status: number, seconds: number): void {
  processMetrics().duration.observe(
    { method: KNOWN_METHODS.has(method) ? method : 'other', route, status: statusClass(status) },
    seconds,
  );
}

/**
 * The recorder of one series of request durations (method, route template and status fixed), for a
 * path that answers many requests alike: its labels are checked once, not per request.
 */
export function httpRequestObserver(
  method: string,
  route: string,
  status: number,
): (seconds: number) => void {
  const child = processMetrics().duration.labels(
    KNOWN_METHODS.has(method) ? method : 'other',
    route,
    statusClass(status),
  );
  return (seconds) => child.observe(seconds);
}

/** Records that a scheduled evaluation started `lagSeconds` after its slot; `late` when past the tolerance. */
export function observeScheduledSlot(lagSeconds: number, late: boolean): void {
  const m = processMetrics();
  m.schedulerSlots.inc({ outcome: late ? 'late' : 'on_time' });
  m.schedulerLag.set(Math.max(0, lagSeconds));
}

/** The process metrics in the text exposition format. */
export function renderProcessMetrics(): Promise<string> {
  return processMetrics().registry.metrics();
}
