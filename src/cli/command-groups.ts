import type { Command } from 'commander';

type Register = (program: Command) => void;

/**
 * The `warden` command groups: the top-level commands each one adds, and how to load it. A
 * command line loads only the group it names, so `warden audit verify` or `warden drift` does not
 * pay for the server, the HTTP schemas and every other domain at start-up. Help, an unknown
 * command or no command at all load every group. A test checks the names against what each
 * group really registers.
 */
export const COMMAND_GROUPS: ReadonlyArray<{ commands: readonly string[]; load: () => Promise<Register[]> }> =
  [
    {
      commands: ['init', 'serve'],
      load: async () => [(await import('../server/server.command.js')).registerServerCommands],
    },
    {
      commands: ['token'],
      load: async () => [(await import('../auth/token.command.js')).registerTokenCommands],
    },
    {
      commands: ['models', 'versions'],
      load: async () => [(await import('../registry/registry.command.js')).registerRegistryCommands],
    },
    {
      commands: ['keys', 'sign'],
      load: async () => [(await import('../keys/keys.command.js')).registerKeyCommands],
    },
    {
      commands: ['features'],
      load: async () => [(await import('../features/feature.command.js')).registerFeatureCommands],
    },
    {
      commands: ['audit'],
      load: async () => [(await import('../audit/audit.command.js')).registerAuditCommands],
    },
    {
      commands: ['policy'],
      load: async () => [
        (await import('../policy/policy.command.js')).registerPolicyCommands,
        (await import('../workflow/workflow.command.js')).registerPolicyProposalCommand,
      ],
    },
    {
      commands: ['promote', 'requests', 'rollback', 'retire'],
      load: async () => [(await import('../workflow/workflow.command.js')).registerWorkflowCommands],
    },
    {
      commands: ['validate', 'validations'],
      load: async () => [(await import('../validation/validation.command.js')).registerValidationCommands],
    },
    {
      commands: ['drift', 'evaluate'],
      load: async () => [(await import('../reports/index.js')).registerOfflineCommands],
    },
    {
      commands: ['webhooks'],
      load: async () => [(await import('../webhooks/webhook.command.js')).registerWebhookCommands],
    },
    {
      commands: ['alerts', 'incidents', 'retraining'],
      load: async () => [(await import('../alerts/alerting.command.js')).registerAlertingCommands],
    },
    {
      commands: ['monitoring', 'ingest'],
      load: async () => [(await import('../monitoring/monitoring.command.js')).registerMonitoringCommands],
    },
    {
      commands: ['deployments'],
      load: async () => [(await import('../deployments/deployment.command.js')).registerDeploymentCommands],
    },
    {
      commands: ['retention'],
      load: async () => [(await import('../retention/retention.command.js')).registerRetentionCommands],
    },
    {
      commands: ['model-card'],
      load: async () => [(await import('../modelcards/model-card.command.js')).registerModelCardCommands],
    },
    {
      commands: ['reports'],
      load: async () => [(await import('../governance-reports/report.command.js')).registerReportCommands],
    },
    {
      commands: ['rollouts'],
      load: async () => [(await import('../rollouts/rollout.command.js')).registerRolloutCommands],
    },
    {
      commands: ['reasons'],
      load: async () => [
        (await import('../explanations/explanation.command.js')).registerExplanationCommands,
      ],
    },
    {
      commands: ['evidence'],
      load: async () => [(await import('../evidence/evidence.command.js')).registerEvidenceCommands],
    },
    {
      commands: ['audit-programs', 'audit-findings'],
      load: async () => [
        (await import('../auditprogram/audit-program.command.js')).registerAuditProgramCommands,
      ],
    },
  ];

/** The first argument that is not an option: the top-level command the user asked for. */
export function requestedCommand(args: readonly string[]): string | undefined {
  return args.find((a) => !a.startsWith('-'));
}

/** Registers the groups a command line needs (all of them when it names none that is known). */
export async function registerCommandGroups(program: Command, args: readonly string[]): Promise<void> {
  if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) return; // needs no command
  const name = requestedCommand(args);
  const named = COMMAND_GROUPS.filter((g) => name !== undefined && g.commands.includes(name));
  for (const group of named.length > 0 ? named : COMMAND_GROUPS)
    for (const register of await group.load()) register(program);
}
