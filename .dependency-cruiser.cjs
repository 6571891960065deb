/**
 * The layers of src/ and the one direction imports run (README, "Code map"): each layer
 * imports only the ones below it. Checked by `npm run lint:deps` (part of `npm test`).
 *
 *   app (main.ts, app/, cli/)
 *   surfaces: slack/ (listeners, views, poster), http/
 *   services/
 *   adapters: db/, mail/, slack-api/, posts/ (the post queue, over db/)
 *   config/, i18n/
 *   domain/
 *   base: util/, logging/ (and metrics), types/, errors.ts
 */
const LAYERS = {
  base: '^src/(util|logging|types)/|^src/errors[.]ts$',
  domain: '^src/domain/',
  language: '^src/i18n/',
  config: '^src/config/',
  adapters: '^src/(db|mail|slack-api|posts)/',
  services: '^src/services/',
  surfaces: '^src/(slack|http)/',
  app: '^src/(app|cli)/|^src/main[.]ts$',
};
const ORDER = ['base', 'domain', 'language', 'config', 'adapters', 'services', 'surfaces', 'app'];

/** One rule per layer: nothing above it. */
const upward = ORDER.slice(0, -1).map((layer, index) => ({
  name: `${layer}-imports-no-higher-layer`,
  comment: `${layer} must not import ${ORDER.slice(index + 1).join(', ')}`,
  severity: 'error',
  from: { path: LAYERS[layer] },
  to: { path: ORDER.slice(index + 1).map((higher) => LAYERS[higher]).join('|') },
}));

/** The adapters are siblings: each talks to one outside thing and knows no other. */
const siblings = [
  ['db', '^src/(mail|slack-api)/'],
  ['mail', '^src/(db|slack-api|posts)/'],
  ['slack-api', '^src/(db|mail|posts)/'],
  // The post queue stores messages in Slack's shape (slack-message.ts), nothing else of Slack.
  ['posts', '^src/mail/|^src/slack-api/(?!slack-message[.]ts)'],
].map(([adapter, others]) => ({
  name: `${adapter}-imports-no-other-adapter`,
  severity: 'error',
  from: { path: `^src/${adapter}/` },
  to: { path: others },
}));

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'modules that import each other, directly or round a loop',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    ...upward,
    ...siblings,
    {
      name: 'views-are-pure',
      comment: 'Block Kit builders take data and return blocks: no listener, poster or Slack call (ids.ts: the action ids they carry)',
      severity: 'error',
      from: { path: '^src/slack/views/' },
      to: { path: '^src/slack/(?!views/|ids[.]ts)|^src/slack-api/(?!slack-message[.]ts)|^src/(db|mail|posts)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^src/db/generated/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.mjs'] },
  },
};
