import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

/**
 * The layers of src/ and the folders each may import (docs/architecture.md): http -> services
 * -> ports <- adapters; domain, config and auth import nothing of the others; the command
 * line speaks to the server only through its client, except the operator commands, which go
 * through start/operator.ts and start/main.ts; start wires everything; bin holds the entries.
 */
export const layers = {
  domain: [],
  config: [],
  auth: [],
  ports: ['domain'],
  services: ['domain', 'ports', 'auth'],
  adapters: ['domain', 'ports'],
  observability: ['domain', 'ports'],
  http: ['domain', 'ports', 'services', 'observability'],
  client: ['auth'],
  cli: ['client', 'auth', 'domain', 'config', 'start/operator.js', 'start/main.js'],
  start: ['domain', 'config', 'auth', 'ports', 'services', 'adapters', 'observability', 'http'],
  bin: ['start', 'cli', 'config'],
};

const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Relative imports that climb out of `layer` into a folder it may not use. Folder names of
 * src/ are unique (no subfolder is named like a layer), so `../` steps + a layer's name
 * always mean that layer.
 */
function layerRule(layer, allowed) {
  const patterns = Object.keys(layers)
    .filter((other) => other !== layer && !allowed.includes(other))
    .map((other) => {
      const files = allowed.filter((a) => a.startsWith(`${other}/`)).map((a) => a.slice(other.length + 1));
      const rest = files.length > 0 ? `/(?!(${files.map(escape).join('|')})$)` : '(/|$)';
      return {
        regex: `^(\\.\\./)+${other}${rest}`,
        message: `src/${layer} may not import src/${other}${files.length > 0 ? ` (only ${files.join(', ')})` : ''}: layers in docs/architecture.md.`,
      };
    });
  return { files: [`src/${layer}/**/*.ts`], rules: { 'no-restricted-imports': ['error', { patterns }] } };
}

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'data/**', 'coverage/**', 'console/dist/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true }],
      '@typescript-eslint/require-await': 'off',
    },
  },
  ...Object.entries(layers).map(([layer, allowed]) => layerRule(layer, allowed)),
  {
    // The web console is its own program: it talks to the API over HTTP only.
    files: ['console/src/**/*.ts', 'console/src/**/*.tsx'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ regex: '^(\\.\\./)+src(/|$)', message: 'the console uses the public HTTP API only.' }] }] },
  },
  {
    // Tests, the CLI and the console read JSON answers field by field.
    files: ['test/**/*.ts', 'src/cli/**/*.ts', 'console/src/**/*.tsx', 'console/src/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
    },
  },
  { files: ['**/*.js', '**/*.mjs'], ...tseslint.configs.disableTypeChecked },
  { files: ['**/*.mjs'], languageOptions: { globals: globals.node } },
);
