/**
 * Model comparisons for the deployment gate: McNemar's test on paired correctness, DeLong's
 * test of two correlated ROC AUCs, and seeded percentile-bootstrap confidence intervals.
 */
export { bootstrapCi, type BootstrapOptions, type BootstrapResult } from './bootstrap.js';
export { delongTest, type DeLongResult } from './delong.js';
export {
  MCNEMAR_EXACT_BELOW,
  mcnemarFromPredictions,
  mcnemarFromTable,
  mcnemarTest,
  type McNemarOptions,
  type McNemarResult,
  type McNemarTable,
} from './mcnemar.js';
export { createSeededRandom, type SeededRandom } from './seeded-random.js';
