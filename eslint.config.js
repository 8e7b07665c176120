import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

/**
 * Module boundaries that really constrain (see docs/style.md §12):
 * services never import other services or emulators; emulators import
 * nothing of the services; contracts import nothing of ours.
 */
export default [
  { ignores: ['**/node_modules/**', '**/dist/**', '**/.nx/**', '**/.parley/**', 'bench/results/**', 'web/dist/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.js', '**/*.vue'],
    plugins: { '@nx': nx },
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: ['type:contracts'] },
            { sourceTag: 'type:shared', onlyDependOnLibsWithTags: ['type:contracts', 'type:shared'] },
            { sourceTag: 'type:service', onlyDependOnLibsWithTags: ['type:contracts', 'type:shared', 'type:testkit'] },
            { sourceTag: 'type:testkit', onlyDependOnLibsWithTags: [] },
            { sourceTag: 'type:emulator', onlyDependOnLibsWithTags: ['type:emulator-lib'] },
            { sourceTag: 'type:emulator-lib', onlyDependOnLibsWithTags: [] },
            { sourceTag: 'type:web', onlyDependOnLibsWithTags: ['type:contracts'] },
            { sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['type:contracts', 'type:shared', 'type:testkit', 'type:tool'] },
          ],
        },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Type-aware rules for the bugs that typing alone lets through here: a promise
    // nobody awaits or catches (an unhandled rejection ends a service), a promise
    // where a callback's result is ignored (an async listener), and `any` from
    // JSON, YAML or a library flowing into a typed parameter unchecked.
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-unsafe-argument': 'error',
    },
  },
  {
    // The one shared vitest setup lives at the workspace root (docs/style.md §11).
    files: ['**/vitest.config.ts'],
    rules: { '@nx/enforce-module-boundaries': 'off' },
  },
  {
    // service-kit's integration tests start the local broker through the testkit; its code does not.
    files: ['packages/service-kit/**/*.spec.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        { allow: [], depConstraints: [{ sourceTag: 'type:shared', onlyDependOnLibsWithTags: ['type:contracts', 'type:shared', 'type:testkit'] }] },
      ],
    },
  },
  {
    // The page's browser tests start the whole stack; the page itself stays contracts-only.
    files: ['web/**/*.e2e.spec.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        { allow: [], depConstraints: [{ sourceTag: 'type:web', onlyDependOnLibsWithTags: ['type:contracts', 'type:tool', 'type:testkit'] }] },
      ],
    },
  },
];
