#!/usr/bin/env node
/**
 * The `warden` command. Each domain contributes its subcommands through a `register…Commands`
 * function; this file only assembles them and turns failures into one-line reasons and exit codes.
 */
import { Command } from 'commander';
import { registerAlertingCommands } from '../alerts/index.js';
import { registerAuditCommands } from '../audit/audit.command.js';
import { registerTokenCommands } from '../auth/token.command.js';
import { registerDeploymentCommands } from '../deployments/index.js';
import { registerMonitoringCommands } from '../monitoring/index.js';
import { registerPolicyCommands } from '../policy/policy.command.js';
import { registerRegistryCommands } from '../registry/registry.command.js';
import { registerKeyCommands } from '../keys/keys.command.js';
import { registerFeatureCommands } from '../features/index.js';
import { registerServerCommands } from '../server/server.command.js';
import { registerOfflineCommands } from '../reports/index.js';
import { registerWebhookCommands } from '../webhooks/index.js';
import { registerPolicyProposalCommand, registerWorkflowCommands } from '../workflow/index.js';
import { registerValidationCommands } from '../validation/index.js';
import { runCli } from './run.js';

const program = new Command('warden')
  .description('Warden: govern machine-learning models from registration to retirement')
  .version('0.1.0')
  // Root options only before the subcommand, so subcommands may take --version <semver>.
  .enablePositionalOptions();

registerServerCommands(program);
registerTokenCommands(program);
registerRegistryCommands(program);
registerKeyCommands(program);
registerFeatureCommands(program);
registerAuditCommands(program);
registerPolicyCommands(program);
registerPolicyProposalCommand(program);
registerWorkflowCommands(program);
registerValidationCommands(program);
registerOfflineCommands(program);
registerWebhookCommands(program);
registerAlertingCommands(program);
registerMonitoringCommands(program);
registerDeploymentCommands(program);

await runCli(program, process.argv);
