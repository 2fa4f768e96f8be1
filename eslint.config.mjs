// typescript-eslint with type-checked rules (STYLE §8). Generated code
// (proto/gen, the Prisma client) is never linted. Type information comes
// from one program over every linted file (tsconfig.eslint.json).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Syntax no file may use. */
const restrictedEverywhere = [
  { selector: 'ExportAllDeclaration', message: 'Export by name (STYLE: no export * barrels).' },
  { selector: "CallExpression[callee.object.name=/^(describe|it|test)$/][callee.property.name='only']", message: 'No .only in committed tests.' },
];

export default tseslint.config(
  {
    ignores: ['**/dist/**', '**/node_modules/**', 'proto/gen/**', '**/src/generated/**', 'coverage/**', '.local/**', '**/*.mjs', '**/*.js', '**/*.cjs'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        project: ['./tsconfig.eslint.json'],
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-restricted-syntax': [
        'error',
        ...restrictedEverywhere,
        {
          selector: "Property[key.name='abortSignal']",
          message: "Give a DynamoDB call's signal to sendAbortable (libs/journal-dynamodb/src/abortable-send.ts): send options make the SDK rebuild its middleware on every call.",
        },
      ],
    },
  },
  {
    // The one place a DynamoDB call's signal becomes SDK options.
    files: ['libs/journal-dynamodb/src/abortable-send.ts'],
    rules: { 'no-restricted-syntax': ['error', ...restrictedEverywhere] },
  },
  {
    // Read by the Prisma CLI, outside every tsconfig: lint it without type information.
    files: ['libs/readmodel/prisma.config.ts'],
    ...tseslint.configs.disableTypeChecked,
  },
);
