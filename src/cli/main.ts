#!/usr/bin/env node
/**
 * The `warden` command. Each domain contributes its subcommands through a `register…Commands`
 * function, listed in command-groups.ts and loaded only when the command line needs it; this file
 * only assembles them and turns failures into one-line reasons and exit codes.
 */
import { Command } from 'commander';
import { registerCommandGroups } from './command-groups.js';
import { runCli } from './run.js';

const program = new Command('warden')
  .description('Warden: govern machine-learning models from registration to retirement')
  .version('0.1.0')
  // Root options only before the subcommand, so subcommands may take --version <semver>.
  .enablePositionalOptions();

await registerCommandGroups(program, process.argv.slice(2));
await runCli(program, process.argv);
