import fs from 'node:fs';
import { createRequire } from 'node:module';

let cached: { script: string; css: string } | undefined;

/**
 * uPlot (the dashboard's charting library), read once from its package so reports inline it:
 * a saved report draws its charts offline, with no CDN.
 */
export function uplotAssets(): { script: string; css: string } {
  if (!cached) {
    const require = createRequire(import.meta.url);
    const script = fs.readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8');
    const css = fs.readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8');
    // A literal "</script" inside the inlined code would end the element early.
    cached = { script: script.replace(/<\/script/gi, '<\\/script'), css };
  }
  return cached;
}
