import { writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { invalidInput } from '../core/errors.js';

/** Prints a report as exact JSON (`--json`) or as the human text, to stdout. */
export function printReport(json: boolean, report: unknown, text: () => string): void {
  process.stdout.write(json ? `${JSON.stringify(report, null, 2)}\n` : text());
}

/** Writes a self-contained HTML report, failing with `invalid_input` when the path cannot be written. */
export async function writeHtmlReport(path: string, html: string, quiet: boolean): Promise<void> {
  try {
    await writeFile(path, html, 'utf8');
  } catch (error) {
    throw invalidInput(`cannot write the HTML report to ${path}: ${(error as Error).message}`, '--html');
  }
  if (!quiet) process.stdout.write(`HTML report written to ${path}\n`);
}

/** The file name shown in reports. */
export function sourceName(path: string): string {
  return basename(path);
}
