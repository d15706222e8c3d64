/** Import boundaries, checked in CI (`npm run lint`). */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment:
        'Modules must not depend on each other in a cycle, type-only imports included: a type cycle is a design cycle (monitoring, alerts, incidents, retraining, deployments and the server once formed one).',
      from: {},
      to: { circular: true },
    },
    {
      name: 'monitoring-publishes-outcomes',
      severity: 'error',
      comment:
        'Monitoring publishes its outcomes through publishMonitorOutcome; the domains that react (alerts, incidents, retraining, rollouts) subscribe in src/server/reactions.ts. Monitoring never imports them, not even for a type.',
      from: { path: '^src/monitoring/', pathNot: '(\\.test\\.ts|test-helpers?\\.ts)$' },
      to: { path: '^src/(alerts|incidents|retraining|rollouts|server)/' },
    },
    {
      name: 'only-the-entry-points-import-the-server',
      severity: 'error',
      comment:
        'src/server is the composition root (services, reactions, background tasks); domains take the task type from src/core and the context from src/http/context.ts.',
      from: { path: '^src/', pathNot: '^src/(server|cli)/|(\\.test\\.ts|test-helpers?\\.ts)$' },
      to: { path: '^src/server/' },
    },
    {
      name: 'stats-is-pure',
      severity: 'error',
      comment: 'The statistics engine is pure code: no I/O, no database, no HTTP, no other domain.',
      from: { path: '^src/stats/', pathNot: '(\\.test\\.ts|test-helpers?\\.ts)$' },
      to: {
        pathNot: '^src/stats/|(^|/)node_modules/@stdlib/',
        dependencyTypesNot: ['type-only'],
      },
    },
    {
      name: 'core-is-leaf',
      severity: 'error',
      comment: 'src/core holds the error type and small helpers every domain uses; it imports no domain.',
      from: { path: '^src/core/' },
      to: { path: '^src/(?!core/)' },
    },
    {
      name: 'no-test-code-in-product',
      severity: 'error',
      from: { path: '^src/', pathNot: '(\\.test\\.ts|test-helpers?\\.ts)$' },
      to: { path: '(^test/|\\.test\\.ts$)' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    preserveSymlinks: true,
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
    },
  },
};
