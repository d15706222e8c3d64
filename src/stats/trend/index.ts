/** Trend tests over series ordered in time. Pure functions. */
export { mannKendall, type MannKendallResult } from './mann-kendall.js';
