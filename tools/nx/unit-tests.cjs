// @ts-check
/**
 * An nx plugin that infers a `test:unit` target for every project with a vitest config:
 * `vitest run unit.spec` (only the *.unit.spec.ts files: pure tests, no processes, no
 * ports), cached on the project's sources and its dependencies' sources. `test` stays the
 * one command that runs every level (`npm test`); `test:unit` is the fast, cacheable check
 * for a change (`npx nx affected -t test:unit`). CommonJS: nx loads local plugins with require().
 */
const { dirname } = require('node:path');

/** @type {import('nx/src/project-graph/plugins').CreateNodesV2} */
const createNodesV2 = [
  '**/vitest.config.ts',
  (configFiles) =>
    configFiles
      .filter((file) => file !== 'vitest.config.ts')
      .map((file) => {
        const root = dirname(file);
        return [
          file,
          {
            projects: {
              [root]: {
                targets: {
                  'test:unit': {
                    command: 'vitest run unit.spec --passWithNoTests',
                    options: { cwd: root },
                    cache: true,
                    inputs: ['default', '^default'],
                    outputs: [],
                  },
                },
              },
            },
          },
        ];
      }),
];

module.exports = { createNodesV2 };
