import { Command } from 'commander';
import { vi } from 'vitest';
import { runCli } from '../../src/cli/run.js';

export interface InProcessRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a `warden` program holding the given command groups in this process (a test server
 * answers from the same event loop), with WARDEN_URL and WARDEN_TOKEN from `env`, capturing what
 * it prints and the exit code it sets.
 */
export async function runCommandsInProcess(
  register: (program: Command) => void,
  args: string[],
  env: Record<string, string>,
): Promise<InProcessRun> {
  const program = new Command('warden');
  register(program);
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    stderr += String(chunk);
    return true;
  });
  const saved = { url: process.env.WARDEN_URL, token: process.env.WARDEN_TOKEN };
  process.env.WARDEN_URL = env.WARDEN_URL;
  process.env.WARDEN_TOKEN = env.WARDEN_TOKEN;
  process.exitCode = 0;
  try {
    await runCli(program, ['node', 'warden', ...args]);
  } finally {
    out.mockRestore();
    err.mockRestore();
    for (const [key, value] of [
      ['WARDEN_URL', saved.url],
      ['WARDEN_TOKEN', saved.token],
    ] as const) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
  const code = Number(process.exitCode ?? 0);
  process.exitCode = 0;
  return { code, stdout, stderr };
}
