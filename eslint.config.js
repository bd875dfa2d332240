import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const ELECTRON_PACKAGE = { name: 'electron', message: 'Only electron/ main and preload code may import electron.' };

/** A relative import that climbs out of its folder into the top-level `folder`. */
function into(folder, why) {
  return { regex: `^(\\.\\./)+${folder}/`, caseSensitive: true, message: `no import of ${folder}/ here: ${why}.` };
}

/** Node-side library code the shell shares with the engine (home folder, CA trust, atomic write). */
const SHELL_MAY_USE_FROM_ENGINE = ['home.js', 'tls/trust-run.js', 'atomic-file.js'];

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'release/**', 'node_modules/**', 'renderer/dist/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', setImmediate: 'readonly' },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-constant-condition': ['error', { checkLoops: false }],
      eqeqeq: ['error', 'smart'],
    },
  },
  // Process boundaries, by path (docs/decisions/0012-process-boundaries.md). Each folder
  // has one block, because a later block's no-restricted-imports replaces an earlier one's.
  {
    files: ['engine/**'],
    rules: { 'no-restricted-imports': ['error', { paths: [ELECTRON_PACKAGE], patterns: [into('electron', 'engine/ runs without the shell'), into('renderer', 'engine/ must not depend on the inspector UI')] }] },
  },
  {
    // shared/ is the contract: no Node or DOM dependencies, and no process's own code.
    files: ['shared/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*', 'fs', 'path', 'http', 'net', 'electron', 'react'], message: 'shared/ must not depend on Node, DOM or UI code.' },
            into('engine', 'shared/ is the contract; the engine implements it'),
            into('electron', 'shared/ is the contract; the shell implements it'),
            into('renderer', 'shared/ is the contract; the inspector uses it'),
          ],
        },
      ],
    },
  },
  {
    files: ['renderer/**'],
    rules: { 'no-restricted-imports': ['error', { paths: [ELECTRON_PACKAGE], patterns: [into('engine', 'the inspector talks to the engine through the API (shared/api.ts)'), into('electron', 'the inspector reaches the shell only through the preload bridge (shared/desktop.ts)')] }] },
  },
  {
    // The shell talks to the engine through host messages and the API; from engine/ it may
    // use only the node-side library modules listed in the decision record.
    files: ['electron/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: `^(\\.\\./)+engine/(?!(${SHELL_MAY_USE_FROM_ENGINE.map((name) => name.replaceAll('.', '\\.')).join('|')})$)`,
              caseSensitive: true,
              message: `the shell uses the engine through its API; from engine/ it may import only ${SHELL_MAY_USE_FROM_ENGINE.join(', ')}.`,
            },
            into('renderer', 'the shell loads the inspector as a page, it does not import it'),
          ],
        },
      ],
    },
  },
  {
    files: ['test/**'],
    rules: { 'no-restricted-imports': ['error', { paths: [ELECTRON_PACKAGE] }] },
  },
);
