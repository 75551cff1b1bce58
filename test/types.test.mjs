import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

function typecheck(project) {
  const result = spawnSync(process.execPath, [tsc, '-p', fileURLToPath(new URL(project, import.meta.url))], { encoding: 'utf8' });
  assert.equal(result.status, 0, `tsc found type errors:\n${result.stdout}${result.stderr}`);
}

test('the type declarations give Syncified<T>, Remote<T> and runSync their promised types (tsc on test/types)', () => {
  typecheck('./types/tsconfig.json');
});

// The SDK's own declarations are not ours to check (skipLibCheck there): what is checked is how ours map them,
// in a project with the newest library (iterator helpers, disposables).
test("against a real SDK's published declarations: openai's chat.completions.create, with and without a stream, under lib ESNext (tsc on test/types/sdk)", () => {
  typecheck('./types/sdk/tsconfig.json');
});

test('the type declarations hold in a project with Node types and no DOM library (tsc on test/types/node-only)', () => {
  typecheck('./types/node-only/tsconfig.json');
});
