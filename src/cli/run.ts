import type { Command } from 'commander';
import { CommanderError } from 'commander';
import { exitCodeFor, WardenError } from '../core/errors.js';

let stdoutGuarded = false;

/**
 * Applies the CLI's error handling to a command and every subcommand below it. Commander copies
 * these settings only into subcommands created after they are set, and the domains register
 * their subcommands before `runCli` runs, so each command needs them explicitly.
 */
function configureTree(command: Command): void {
  command.exitOverride();
  command.configureOutput({
    writeErr: (text) => process.stderr.write(text),
    outputError: (text, write) => write(`warden: ${text.replace(/^error: /, '')}`),
  });
  for (const sub of command.commands) configureTree(sub);
}

/**
 * Parses argv and runs the matching command. Any failure prints one line,
 * `warden: <reason>`, on stderr and exits with the code mapped from its error code
 * (a usage error, such as an unknown option or a missing argument, exits 2).
 */
export async function runCli(program: Command, argv: string[]): Promise<void> {
  configureTree(program);
  if (!stdoutGuarded) {
    stdoutGuarded = true;
    // A reader that stops early (`warden audit list | head`) closes the pipe: stop quietly.
    process.stdout.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
      process.exit(process.exitCode ?? 0);
    });
  }
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode === 0 ? 0 : 2;
      return;
    }
    if (error instanceof WardenError) {
      process.stderr.write(`warden: ${error.message}${error.field ? ` (field: ${error.field})` : ''}\n`);
      process.exitCode = exitCodeFor(error.code);
      return;
    }
    process.stderr.write(`warden: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
