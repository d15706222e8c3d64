/**
 * Seeded data for the statistics benchmark: normal columns for the engine tests and a wide
 * CSV (numeric and categorical columns) for the end-to-end `warden drift` run.
 */
import { createWriteStream } from 'node:fs';

/** A seeded uniform source (mulberry32) with a standard normal (Box–Muller, both outputs used). */
export function seededNormal(seed: number): { uniform: () => number; normal: () => number } {
  let state = seed >>> 0;
  let spare: number | null = null;
  const uniform = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const normal = () => {
    if (spare !== null) {
      const value = spare;
      spare = null;
      return value;
    }
    const radius = Math.sqrt(-2 * Math.log(1 - uniform()));
    const angle = 2 * Math.PI * uniform();
    spare = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  };
  return { uniform, normal };
}

/** `n` normal values with the given mean and standard deviation. */
export function normalColumn(n: number, seed: number, mean = 0, sd = 1): Float64Array {
  const { normal } = seededNormal(seed);
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = mean + sd * normal();
  return values;
}

const CLI_NUMERIC_COLUMNS = 20;
const CLI_CATEGORICAL_COLUMNS = 5;
const CATEGORIES = Array.from({ length: 12 }, (_, i) => `cat_${String.fromCharCode(97 + i)}`);

/**
 * Writes a CSV of `rows` rows: 20 numeric columns (normal; in the current file every fourth
 * column shifted by 0.2 sd, 1 % missing) and 5 categorical columns of up to 12 categories.
 */
export async function writeWideCsv(
  path: string,
  rows: number,
  seed: number,
  current: boolean,
): Promise<void> {
  const { uniform, normal } = seededNormal(seed);
  const out = createWriteStream(path);
  const header = [
    ...Array.from({ length: CLI_NUMERIC_COLUMNS }, (_, j) => `num_${j}`),
    ...Array.from({ length: CLI_CATEGORICAL_COLUMNS }, (_, j) => `cat_${j}`),
  ];
  const write = (text: string) =>
    new Promise<void>((resolve) => {
      if (out.write(text)) resolve();
      else out.once('drain', resolve);
    });
  await write(header.join(',') + '\n');
  const chunk: string[] = [];
  for (let r = 0; r < rows; r++) {
    const cells: string[] = [];
    for (let j = 0; j < CLI_NUMERIC_COLUMNS; j++) {
      const shift = current && j % 4 === 0 ? 0.2 : 0;
      cells.push(current && uniform() < 0.01 ? '' : (10 * j + shift + normal()).toFixed(5));
    }
    for (let j = 0; j < CLI_CATEGORICAL_COLUMNS; j++) {
      const k = 3 + 2 * j;
      const skew = current && j === 0 ? uniform() * uniform() : uniform();
      cells.push(CATEGORIES[Math.floor(skew * k)]!);
    }
    chunk.push(cells.join(','));
    if (chunk.length === 5000) {
      await write(chunk.join('\n') + '\n');
      chunk.length = 0;
    }
  }
  if (chunk.length > 0) await write(chunk.join('\n') + '\n');
  await new Promise<void>((resolve, reject) =>
    out.end((error?: Error | null) => (error ? reject(error) : resolve())),
  );
}
