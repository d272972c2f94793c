/** Layering, checked in CI: the domain is pure; each library lives in one adapter. */
module.exports = {
  forbidden: [
    {
      name: 'domain-is-pure',
      comment: 'src/domain imports nothing but itself: no Node, no I/O library, no adapter.',
      severity: 'error',
      from: { path: '^src/domain' },
      to: { pathNot: '^src/domain' },
    },
    {
      name: 'dialplan-check-is-pure',
      comment: 'src/dialplan-check parses and checks text it is given; scripts/dialplan-check.ts reads the files.',
      severity: 'error',
      from: { path: '^src/dialplan-check' },
      to: { pathNot: '^src/dialplan-check' },
    },
    {
      name: 'analytics-is-pure',
      comment: 'src/analytics (roll-ups, billing, queue_log mapping) imports only itself, the domain and port types: no Node, no I/O.',
      severity: 'error',
      from: { path: '^src/analytics' },
      to: { pathNot: '^src/(analytics|domain|ports)' },
    },
    {
      name: 'ports-are-types',
      severity: 'error',
      from: { path: '^src/ports' },
      to: { pathNot: '^src/(ports|domain)' },
    },
    {
      name: 'pg-only-in-postgres-adapter',
      severity: 'error',
      from: { pathNot: '^src/adapters/postgres' },
      to: { path: 'node_modules/(pg|node-pg-migrate)/' },
    },
    {
      name: 'ioredis-only-in-redis-adapter',
      severity: 'error',
      from: { pathNot: '^src/adapters/redis' },
      to: { path: 'node_modules/ioredis/' },
    },
    {
      name: 'ws-only-in-ari-adapter-and-simulator',
      severity: 'error',
      from: { pathNot: '^src/(adapters/ari|simulator)' },
      to: { path: 'node_modules/ws/' },
    },
    {
      name: 'asterisk-manager-only-in-ami-adapter',
      comment: 'AMI goes through src/adapters/ami/ami-client.ts, which fixes what the library lacks.',
      severity: 'error',
      from: { pathNot: '^src/adapters/ami' },
      to: { path: 'node_modules/asterisk-manager/' },
    },
    {
      name: 'fastify-only-in-http',
      severity: 'error',
      from: { pathNot: '^src/(http|app\\.ts)' },
      to: { path: 'node_modules/(fastify|@fastify)/' },
    },
    {
      name: 'bullmq-and-nodemailer-only-in-workers-and-mail-adapter',
      comment: 'The job queue lives in src/workers, e-mail in src/adapters/mail; src/messages stays free of both.',
      severity: 'error',
      from: { pathNot: '^src/(workers|adapters/mail)' },
      to: { path: 'node_modules/(bullmq|nodemailer)/' },
    },
    {
      name: 'simulator-is-not-used-by-the-product',
      comment: 'Only the demo office and tests start the simulator.',
      severity: 'error',
      from: { path: '^src', pathNot: '^src/(simulator|demo)' },
      to: { path: '^src/simulator' },
    },
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
