import fs from 'node:fs';
import path from 'node:path';
import { parseCheckpoint, type ParsedCheckpoint } from './audit-checkpoint.js';

/**
 * Witnesses of the audit log: places outside the database where each signed tree head is
 * appended as it is made. A folder (best on another disk, mount or machine) keeps one file per
 * tree size, `checkpoint-<size>`, written once and never overwritten; a URL receives each
 * checkpoint as a `text/plain` POST. `warden audit verify --witness DIR` later checks that the log
 * still contains every tree the witness saw.
 */
export interface AuditWitness {
  /** Hands one checkpoint note to every configured witness; failures are reported, not thrown. */
  publish(note: string, size: number): Promise<void>;
}

const FILE_PREFIX = 'checkpoint-';

export function witnessFileName(size: number): string {
  return `${FILE_PREFIX}${String(size).padStart(15, '0')}`;
}

/** Appends to a witness folder. A different note for a size already witnessed is refused and reported. */
export function appendToWitnessDir(
  dir: string,
  note: string,
  size: number,
): 'written' | 'present' | 'conflict' {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, witnessFileName(size));
  try {
    fs.writeFileSync(file, note, { flag: 'wx', mode: 0o644 });
    return 'written';
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return fs.readFileSync(file, 'utf8') === note ? 'present' : 'conflict';
  }
}

export function createWitness(options: {
  dir?: string | undefined;
  url?: string | undefined;
  log?: (message: string) => void;
}): AuditWitness {
  const log = options.log ?? ((m: string) => console.error(m));
  return {
    async publish(note, size) {
      if (options.dir) {
        try {
          if (appendToWitnessDir(options.dir, note, size) === 'conflict')
            log(
              `audit witness ${options.dir} already holds a different checkpoint for tree size ${size}: the log was rewritten or forked`,
            );
        } catch (error) {
          log(`audit witness ${options.dir}: ${(error as Error).message}`);
        }
      }
      if (options.url) {
        try {
          const response = await fetch(options.url, {
            method: 'POST',
            headers: { 'content-type': 'text/plain; charset=utf-8' },
            body: note,
            signal: AbortSignal.timeout(10_000),
          });
          if (!response.ok) log(`audit witness ${options.url} answered ${response.status}`);
        } catch (error) {
          log(`audit witness ${options.url}: ${(error as Error).message}`);
        }
      }
    },
  };
}

/** Every checkpoint a witness folder holds, by tree size. Throws naming a file that is not a checkpoint. */
export function readWitnessDir(dir: string): Array<ParsedCheckpoint & { file: string; text: string }> {
  if (!fs.existsSync(dir)) throw new Error(`witness folder ${dir} does not exist`);
  const out: Array<ParsedCheckpoint & { file: string; text: string }> = [];
  for (const name of fs.readdirSync(dir).sort()) {
    if (!name.startsWith(FILE_PREFIX)) continue;
    const file = path.join(dir, name);
    const text = fs.readFileSync(file, 'utf8');
    try {
      out.push({ ...parseCheckpoint(text), file, text });
    } catch (error) {
      throw new Error(`${file}: ${(error as Error).message}`, { cause: error });
    }
  }
  return out.sort((a, b) => a.size - b.size);
}
