import { existsSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { createRequire } from 'node:module';
import { dirname, extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/**
 * Where the built dashboard is: `dist/web` beside the compiled server (`dist/ui/…`), or the same
 * folder seen from the sources when the server runs from `src` (tests).
 */
export function dashboardDir(): string | undefined {
  const candidates = [join(here, '..', 'web'), join(here, '..', '..', 'dist', 'web')];
  return candidates.find((dir) => existsSync(join(dir, 'index.html')));
}

/** The folder of the swagger-ui-dist package (the API documentation viewer). */
export function swaggerUiDir(): string {
  return dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};

export interface StaticFile {
  body: Uint8Array;
  type: string;
  /** The body gzipped once, for text files worth compressing. */
  gzip?: Uint8Array;
}

const COMPRESSIBLE = new Set(['.html', '.js', '.css', '.svg', '.json']);

/**
 * Reads a file under `root` once and keeps it: the files are the build's output and never change
 * while the server runs. Paths leaving `root` are refused (undefined).
 */
export function createFileCache(root: string): (relative: string) => StaticFile | undefined {
  const cache = new Map<string, StaticFile | undefined>();
  return (relative) => {
    if (cache.has(relative)) return cache.get(relative);
    const full = normalize(join(root, relative));
    let file: StaticFile | undefined;
    if (full.startsWith(root + sep) && existsSync(full)) {
      const body = readFileSync(full);
      file = { body, type: TYPES[extname(full)] ?? 'application/octet-stream' };
      if (COMPRESSIBLE.has(extname(full)) && body.length > 1024) file.gzip = gzipSync(body, { level: 9 });
    }
    if (cache.size < 500) cache.set(relative, file);
    return file;
  };
}
