import type { Command } from 'commander';
import { CommanderError } from 'commander';
import { exitCodeFor, WardenError } from '../core/errors.js';

/**
 * Parses argv and runs the matching command. Any failure prints one line,
 * `warden: <reason>`, on stderr and exits with the code mapped from its error code.
 */
export async function runCli(program: Command, argv: string[]): Promise<void> {
  program.exitOverride();
  program.configureOutput({ writeErr: (text) => process.stderr.write(text) });
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
