/** The OpenAPI document's header: title, description and the tags operations are grouped by. */
export const OPENAPI_DOCUMENT = {
  openapi: '3.1.0',
  info: {
    title: 'Warden API',
    version: '1',
    description:
      'Govern machine-learning models from registration to retirement. Every route but /healthz needs a bearer token (or the dashboard’s session cookie, with its CSRF header on writes).',
  },
  tags: [
    { name: 'health', description: 'Readiness of the server' },
    { name: 'metrics', description: 'Prometheus exposition' },
    { name: 'sessions', description: 'Dashboard sign-in: a token exchanged for an HttpOnly session cookie' },
    { name: 'tokens', description: 'API tokens and their roles' },
    { name: 'models', description: 'The registry: models with owner, team, use and risk tier' },
    { name: 'versions', description: 'Model versions with lineage, metrics and artifact' },
    { name: 'artifacts', description: 'Content-addressed artifacts and their integrity' },
    { name: 'signing', description: 'Ed25519 signing keys and artifact signatures' },
    { name: 'attachments', description: 'SBOMs attached to versions' },
    { name: 'model cards', description: 'Model cards, section by section' },
    { name: 'features', description: 'The feature catalog and which models consume what' },
    { name: 'policy', description: 'The governance policy as code, its versions and proposals' },
    { name: 'validation', description: 'The validation suite (deployment gate), its reports and waivers' },
    { name: 'lifecycle', description: 'Stage transitions, rollback and retirement' },
    { name: 'change requests', description: 'Change requests, approvals and evidence' },
    { name: 'monitoring', description: 'Inference and label ingestion, monitors and their checks' },
    { name: 'alerts', description: 'Alerts: acknowledge, resolve, escalation' },
    { name: 'incidents', description: 'Incidents from safety-signal and feedback spikes' },
    { name: 'retraining', description: 'Retraining requests and the decision log' },
    { name: 'deployments', description: 'Which version runs where' },
    { name: 'rollouts', description: 'Canary, shadow, blue-green and A/B rollouts, and routing' },
    { name: 'audit', description: 'The hash-chained audit log, signed checkpoints and proofs' },
    { name: 'retention', description: 'Retention by tier and legal holds' },
    { name: 'reports', description: 'Periodic reports and post-implementation reviews' },
    {
      name: 'audit-programs',
      description: 'The annual model audit program: seeded selection, decision samples, findings',
    },
    { name: 'evidence', description: 'Compliance evidence packs' },
    {
      name: 'predictions',
      description:
        'Decisions a person can ask about: lineage, adverse-action reasons, explanations, disputes and opt-outs',
    },
    { name: 'webhooks', description: 'Signed webhook subscriptions and deliveries' },
  ],
};
