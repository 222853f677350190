// Lint rules, including the layer rule of docs/architecture.md (its table of folders says what
// each may import; `allowed` below is that column): data flows
// cli -> sync -> {remote, index, tree} -> {lib, errors, logging, config, secrets, monitor}, and
// remote, index and tree never import each other or anything above them.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const folders = [
  'cli',
  'sync',
  'remote',
  'index',
  'tree',
  'config',
  'secrets',
  'logging',
  'monitor',
  'lib',
  'errors',
];

/** src/<dir> may import only the folders in `allowed` (and itself). */
const layer = (dir, allowed) => ({
  files: [`src/${dir}/**/*.ts`],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: folders
          .filter((f) => f !== dir && !allowed.includes(f))
          .map((b) => ({
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
  layer('sync', ['remote', 'index', 'tree', 'lib', 'errors', 'logging']),
  layer('remote', ['lib', 'errors']),
  layer('index', ['lib', 'errors', 'logging']),
  layer('tree', ['lib', 'errors']),
  layer('config', ['errors', 'secrets']),
  layer('secrets', ['lib', 'errors']),
  layer('monitor', ['lib', 'errors', 'logging']),
  layer('logging', ['errors']),
  layer('lib', ['errors']),
  layer('errors', []),
  // Every function of the program fits on a screen: long ones hide decisions inside I/O.
  { files: ['src/**/*.ts'], rules: { 'max-lines-per-function': ['error', { max: 80 }] } },
);
