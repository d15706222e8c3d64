/** Prometheus metrics: the `/metrics` endpoint and the counters and timings it exposes. */
export { recordIngestion } from './ingestion-counters.js';
export { registerMetricsRoutes } from './metrics.routes.js';
export { httpRequestObserver, observeHttpRequest, observeScheduledSlot } from './process-metrics.js';
