// ESLint: typescript-eslint's type-checked rules (promises that float or are misused are bugs here: a lost
// rejection is a lost write), and imports in a stable order. Formatting is Prettier's.
import js from '@eslint/js';
import simpleImportSort from 'eslint-plugin-simple-import-sort';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  // test/openapi/ is type-checked by the contract test, against the client it generates.
  { ignores: ['dist/', 'node_modules/', 'test/codex/', 'test/newer-node/', '.data/', 'coverage/', 'bench/results/', '**/*.mjs', 'test/openapi/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { 'simple-import-sort': simpleImportSort },
    rules: {
      'simple-import-sort/imports': 'error',
      'simple-import-sort/exports': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      // Request bodies, stored JSON and SQL rows are `any`/JSON by nature here; they are checked where they enter
      // (validation, typed row mappings), and String() of a JSON value is deliberate. Not (yet) worth a cast each.
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-base-to-string': 'off',
      // An async function that awaits nothing still gives its caller the promise an interface asks for.
      '@typescript-eslint/require-await': 'off',
      // Abort reasons and caught failures are passed on as they are, whatever they are.
      '@typescript-eslint/prefer-promise-reject-errors': 'off',
      '@typescript-eslint/only-throw-error': 'off',
      // Modules and providers never depend on each other in a circle: a piece two of them share gets a module of its own.
      'no-restricted-imports': [
        'error',
        { paths: [{ name: '@nestjs/common', importNames: ['forwardRef'], message: 'A cycle: move the shared piece into a module of its own.' }] },
      ],
    },
  },
);
