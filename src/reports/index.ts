/**
 * Offline reports: the standalone `warden drift` and `warden evaluate` commands, which read
 * local files, run the statistics engine and print tables, JSON or a self-contained HTML page.
 */
import type { Command } from 'commander';
import { registerDriftCommand } from './drift.command.js';
import { registerEvaluateCommand } from './evaluate.command.js';

/** Adds `drift` and `evaluate` to the `warden` program. */
export function registerOfflineCommands(program: Command): void {
  registerDriftCommand(program);
  registerEvaluateCommand(program);
}
