import { Command } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runCli } from './run.js';

/** A small command tree shaped like the real one: subcommands registered before runCli. */
function program(): Command {
  const root = new Command('warden').enablePositionalOptions();
  const group = root.command('models');
  group
    .command('create')
    .requiredOption('--name <name>', 'model name')
    .action(() => undefined);
  group
    .command('show')
    .argument('<name>')
    .action(() => undefined);
  return root;
}

async function run(args: string[]): Promise<{ code: number; stderr: string }> {
  const written: string[] = [];
  const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  });
  try {
    await runCli(program(), ['node', 'warden', ...args]);
  } finally {
    spy.mockRestore();
  }
  const code = Number(process.exitCode ?? 0);
  process.exitCode = 0;
  return { code, stderr: written.join('') };
}

describe('runCli usage errors', () => {
  afterEach(() => {
    process.exitCode = 0;
    vi.restoreAllMocks();
  });

  it.each([
    [['models', 'create'], "warden: required option '--name <name>' not specified\n"],
    [['models', 'show'], "warden: missing required argument 'name'\n"],
    [['models', 'create', '--name', 'a', '--bogus'], "warden: unknown option '--bogus'\n"],
    [['frobnicate'], "warden: unknown command 'frobnicate'\n"],
  ])('%j prints one warden: line and exits 2', async (args, expected) => {
    const { code, stderr } = await run(args);
    expect(stderr).toBe(expected);
    expect(code).toBe(2);
  });

  it('exits 0 on success', async () => {
    expect(await run(['models', 'create', '--name', 'a'])).toEqual({ code: 0, stderr: '' });
  });

  it('stops quietly when the reader of stdout goes away (EPIPE)', async () => {
    await run(['models', 'show', 'a']);
    const exit = vi.spyOn(process, 'exit').mockImplementation((() => undefined) as never);
    process.stdout.emit('error', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    expect(exit).toHaveBeenCalledWith(0);
  });
});
