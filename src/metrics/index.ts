/** Prometheus metrics: the `/metrics` endpoint and the ingestion counters it exposes. */
export { recordIngestion } from './ingestion-counters.js';
export { registerMetricsRoutes } from './metrics.routes.js';
