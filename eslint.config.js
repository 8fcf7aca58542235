// Lint = layering (DESIGN.md §2) + determinism of the core (DESIGN.md invariant 1) + basic TS hygiene.
import tseslint from 'typescript-eslint';

const LAYERS = ['x86', 'machine', 'xen', 'storage', 'worker', 'ui', 'cli'];

/** Import groups that forbid every layer not in `allowed` (relative imports only; bare imports separately). */
function forbidLayers(allowed, extra = []) {
  return LAYERS.filter((l) => !allowed.includes(l)).map((l) => ({
    group: [`**/${l}/**`, ...extra],
    message: `layering (DESIGN.md §2): this folder may not import src/${l}`,
  }));
}
const NO_PACKAGES = {
  regex: '^[^.]',
  message: 'the deterministic core imports no packages and no Node built-ins (DESIGN.md §2)',
};

const coreDeterminism = {
  'no-restricted-globals': [
    'error',
    ...['Date', 'performance', 'setTimeout', 'setInterval', 'setImmediate', 'queueMicrotask', 'crypto', 'process'].map(
      (name) => ({ name, message: 'the core is deterministic: no host time, timers or randomness (DESIGN.md invariant 1)' }),
    ),
  ],
  'no-restricted-properties': [
    'error',
    { object: 'Math', property: 'random', message: 'use the machine\'s seeded generator (DESIGN.md invariant 1)' },
  ],
};

function layer(name, allowed, extraPatterns = []) {
  return {
    files: [`src/${name}/**/*.ts`],
    rules: {
      'no-restricted-imports': ['error', { patterns: [...forbidLayers([name, ...allowed]), ...extraPatterns] }],
    },
  };
}

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', '.cache/**', 'images/**', 'test-results/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  layer('x86', [], [NO_PACKAGES]),
  layer('machine', ['x86'], [NO_PACKAGES]),
  layer('xen', ['x86', 'machine'], [NO_PACKAGES]),
  layer('storage', ['machine']),
  layer('worker', ['x86', 'machine', 'xen', 'storage']),
  layer('cli', ['x86', 'machine', 'xen', 'storage', 'worker']),
  {
    files: ['src/ui/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...forbidLayers(['ui', 'worker']),
            { group: ['**/worker/**', '!**/worker/protocol.ts'], message: 'the UI talks to the worker only through src/worker/protocol.ts' },
          ],
        },
      ],
    },
  },
  { files: ['src/x86/**/*.ts', 'src/machine/**/*.ts', 'src/xen/**/*.ts'], rules: coreDeterminism },
);
