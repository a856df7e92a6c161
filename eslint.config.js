// typescript-eslint's type-checked rules over everything tsconfig.json compiles (src, test, bench). The layering and
// import cycles are checked by dependency-cruiser (.dependency-cruiser.cjs), not here.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const PRETENURED_CLOSURE =
  "V8's parser marks a function literal assigned to a property to be born in the old generation; made per call by unoptimised code, it keeps what it closes over alive until a full collection. Assign it through a constant.";

export default tseslint.config(
  { ignores: ['dist/', 'dist-bench/', 'coverage/', 'node_modules/', 'public/', 'bench/results/', 'test/e2e/screenshots/'] },
  {
    files: ['**/*.ts'],
    extends: [js.configs.recommended, ...tseslint.configs.recommendedTypeChecked],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // A promise nobody awaits loses its error (an unhandled rejection ends the process) and its ordering.
      '@typescript-eslint/no-floating-promises': 'error',
      // express 5 awaits async handlers and forwards their rejections, so an async middleware is fine where a void one is expected.
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false, attributes: false } }],
      // Interface implementations (stores, SDK adapters, got hooks) are async by contract even when they need no await.
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    // Closures V8 allocates in the old generation, which kept requests alive through young-generation collections
    // until a full one: an accessor made at run time (a getter or setter in an object literal, or given to
    // defineProperty) gets an old accessor pair (bench/README.md, "Round 2, sixth pass"); a function literal assigned
    // straight to a property is pretenured by V8's parser ("Round 2, seventh pass"). Accessors belong on a class or a
    // prototype made once, such functions go through a constant; a start-up-only exception says so with an
    // eslint-disable comment.
    files: ['src/**/*.ts'],
    ignores: ['src/emulator/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "ObjectExpression > Property[kind=/^(get|set)$/]",
          message: 'An accessor in an object literal is allocated in the old generation and keeps what it closes over alive: use a class getter.',
        },
        {
          selector: "CallExpression[callee.property.name=/^define(Property|Properties)$/] ObjectExpression > Property[key.name=/^(get|set)$/]",
          message: 'An accessor given to defineProperty at run time is allocated in the old generation: use a class getter, or say why it is made once.',
        },
        {
          selector: ":function AssignmentExpression[left.type='MemberExpression'][right.type=/^(FunctionExpression|ArrowFunctionExpression)$/]",
          message: PRETENURED_CLOSURE,
        },
        {
          selector: ":function AssignmentExpression[left.type='MemberExpression'][right.type=/^TS(As|Satisfies|NonNull)Expression$/][right.expression.type=/^(FunctionExpression|ArrowFunctionExpression)$/]",
          message: PRETENURED_CLOSURE,
        },
      ],
    },
  },
  {
    // Tests and benchmarks read untyped JSON bodies and poke at internals on purpose.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    extends: [tseslint.configs.disableTypeChecked],
  },
);
