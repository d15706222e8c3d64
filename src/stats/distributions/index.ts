/**
 * Tail functions of the reference distributions used by the drift tests. Every function
 * returns an upper tail computed directly (never 1 - cdf) so small p-values keep precision.
 */
export { normalSf, normalTwoSidedP } from './normal.js';
export { binomialCriticalCount, binomialUpperTail } from './binomial.js';
export { chi2Sf } from './chi2.js';
export { chi2Isf, ncChi2Sf } from './noncentral-chi2.js';
export { studentTSf, studentTTwoSidedP } from './student-t.js';
export { kstwoSf, smirnovSf } from './kolmogorov.js';
export { normalQuantile, studentTQuantile } from './quantile.js';
