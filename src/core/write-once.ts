import { randomBytes } from 'node:crypto';
import fs from 'node:fs';

/**
 * Creates `file` holding `content` unless it exists, and returns what the file holds: `content`,
 * or what another process wrote first. The file appears whole or not at all (written and synced
 * under a temporary name beside it, then hard-linked into place, which fails if the name is
 * taken), so a process racing to create the same file never reads it empty or half-written.
 */
export function writeFileOnce(file: string, content: string, mode = 0o600): string {
  const temporary = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const fd = fs.openSync(temporary, 'wx', mode);
  try {
    fs.writeFileSync(fd, content);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  try {
    fs.linkSync(temporary, file);
    return content;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return fs.readFileSync(file, 'utf8');
  } finally {
    fs.rmSync(temporary, { force: true });
  }
}
