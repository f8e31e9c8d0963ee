import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', '.cache/', '.run/', 'coverage/'] },
  js.configs.recommended,
  { files: ['*.js'], languageOptions: { globals: { module: 'readonly', require: 'readonly' } } },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': [
        'error',
        { selector: "CallExpression[callee.object.name='jest'][callee.property.name='mock']", message: 'No jest.mock: use local fakes behind real clients.' },
        { selector: "MemberExpression[object.name=/^(it|test|describe)$/][property.name=/^(only|skip)$/]", message: 'No .only or .skip tests.' },
      ],
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/main.ts', 'src/config.ts'],
    rules: {
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Read configuration in src/config.ts only.' }],
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/store/**'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'mongoose', message: 'mongoose lives in src/store only.' }] }],
    },
  },
  {
    files: ['src/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['mongoose', 'ioredis', 'bullmq', 'koa', '@koa/*', 'openai', 'node:fs', 'node:http', '../store/*', '../queues/*', '../channels/*', '../http/*'], message: 'domain/ is pure: no I/O imports.' }] }],
    },
  },
);
