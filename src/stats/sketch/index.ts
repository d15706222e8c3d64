/**
 * Mergeable, serialisable sketches for monitoring at scale, and drift scores computed from
 * them. Every sketch states its error bound; memory does not grow with the row count.
 */
export { QuantileSketch } from './quantile-sketch.js';
export type { QuantileSketchJSON, SketchBin } from './quantile-sketch.js';
export { FrequentItems } from './frequent-items.js';
export type { FrequentItemsJSON } from './frequent-items.js';
export { HyperLogLog } from './hyperloglog.js';
export type { HyperLogLogJSON } from './hyperloglog.js';
export { ColumnProfile } from './column-profile.js';
export type { ColumnProfileJSON, ColumnProfileOptions } from './column-profile.js';
export {
  profileKs,
  profileWasserstein,
  profilePsi,
  profilePsiBins,
  profileJensenShannon,
  profileIntervals,
  intervalsKs,
  intervalsWasserstein,
  binMasses,
} from './profile-drift.js';
export type {
  NumericReference,
  CategoricalReference,
  ProfileKsResult,
  ProfileWassersteinResult,
  Intervals,
} from './profile-drift.js';
export { ColumnSketch, DEFAULT_CATEGORY_CAP, DEFAULT_SKETCH_ACCURACY } from './column-sketch.js';
export type { ColumnSketchJSON, ColumnSketchOptions } from './column-sketch.js';
