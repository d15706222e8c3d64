import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeFileOnce } from './write-once.js';

const moduleUrl = new URL('./write-once.ts', import.meta.url).href;

/** What process `digit` tries to write: large enough that a file read before it is written whole would be short. */
function contentOf(digit: number): string {
  return `${String(digit).repeat(200_000)}\n`;
}

/** Runs writeFileOnce in a separate Node process and returns what it read back. */
function writeInProcess(file: string, digit: number): Promise<string> {
  const script = `const { writeFileOnce } = await import(${JSON.stringify(moduleUrl)});
process.stdout.write(writeFileOnce(${JSON.stringify(file)}, String(${digit}).repeat(200_000) + '\\n'));`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`exit ${code}: ${err}`));
    });
  });
}

describe('writeFileOnce', () => {
  it('keeps the first content, owner-only, and leaves no temporary file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'warden-once-'));
    const file = path.join(dir, 'key');
    expect(writeFileOnce(file, 'first\n')).toBe('first\n');
    expect(writeFileOnce(file, 'second\n')).toBe('first\n');
    expect(fs.readFileSync(file, 'utf8')).toBe('first\n');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.readdirSync(dir)).toEqual(['key']);
    fs.rmSync(dir, { recursive: true });
  });

  it('gives processes racing to create one file the same whole content', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'warden-once-'));
    const file = path.join(dir, 'key');
    const digits = [0, 1, 2, 3, 4, 5];
    const contents = digits.map(contentOf);
    const read = await Promise.all(digits.map((d) => writeInProcess(file, d)));
    const kept = fs.readFileSync(file, 'utf8');
    expect(contents).toContain(kept);
    for (const r of read) expect(r).toBe(kept);
    expect(fs.readdirSync(dir)).toEqual(['key']);
    fs.rmSync(dir, { recursive: true });
  });
});
