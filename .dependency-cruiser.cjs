/** Import boundaries, checked in CI (`npm run lint`). */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment:
        'Modules must not depend on each other in a cycle at run time (type-only imports vanish when compiled).',
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'stats-is-pure',
      severity: 'error',
      comment: 'The statistics engine is pure code: no I/O, no database, no HTTP, no other domain.',
      from: { path: '^src/stats/', pathNot: '(\\.test\\.ts|test-helpers?\\.ts)$' },
      to: {
        pathNot: '^src/stats/|^node_modules/@stdlib/',
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
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
    },
  },
};
