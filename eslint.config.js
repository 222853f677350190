// Lint rules, including the layer rule of docs/architecture.md: data flows
// cli -> sync -> {remote, index, tree} -> {lib, errors, logging, config}, and
// remote, index and tree never import each other or anything above them.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const layer = (dir, banned) => ({
  files: [`src/${dir}/**/*.ts`],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: banned.map((b) => ({
          group: [`**/${b}/*`, `**/${b}/**`],
          message: `src/${dir} must not import src/${b} (see docs/architecture.md: layers talk one way).`,
        })),
      },
    ],
  },
});

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', 'helm/', 'k8s/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        URL: 'readonly',
        AbortController: 'readonly',
        AbortSignal: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  layer('remote', ['index', 'tree', 'sync', 'cli']),
  layer('index', ['remote', 'tree', 'sync', 'cli']),
  layer('tree', ['remote', 'index', 'sync', 'cli']),
  layer('sync', ['cli']),
  layer('lib', ['remote', 'index', 'tree', 'sync', 'cli', 'config']),
  layer('errors', ['remote', 'index', 'tree', 'sync', 'cli', 'config', 'logging']),
  layer('logging', ['remote', 'index', 'tree', 'sync', 'cli']),
  layer('config', ['remote', 'index', 'tree', 'sync', 'cli']),
);
