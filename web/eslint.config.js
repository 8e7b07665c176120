import vue from 'eslint-plugin-vue';
import tseslint from 'typescript-eslint';
import root from '../eslint.config.js';

// The workspace rules plus Vue single-file components (parsed by vue-eslint-parser, TS inside).
export default [
  ...root,
  ...vue.configs['flat/recommended'],
  {
    files: ['**/*.vue'],
    languageOptions: { parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.vue'] } },
    rules: {
      // Components are named by their kebab-case file names (house rule), e.g. chat-page.vue.
      'vue/multi-word-component-names': 'off',
      // Never render HTML from data: messages are text, and text from other people is untrusted.
      'vue/no-v-html': 'error',
      'vue/max-attributes-per-line': 'off',
      'vue/singleline-html-element-content-newline': 'off',
      'vue/html-self-closing': 'off',
    },
  },
  {
    // The browser tests start the whole local stack (a type:tool package); the
    // page itself still may import nothing but contract types.
    files: ['src/e2e/**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [{ sourceTag: 'type:web', onlyDependOnLibsWithTags: ['type:contracts', 'type:tool'] }],
        },
      ],
    },
  },
  {
    // This file extends the workspace config, like the vitest configs do.
    files: ['eslint.config.js'],
    rules: { '@nx/enforce-module-boundaries': 'off' },
  },
  { ignores: ['dist/**', 'test-artifacts/**'] },
];
