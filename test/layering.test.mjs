// Which code each side carries: the caller's bundle (dist/index.*) has no worker code, and the worker's
// bundle (the string it is started from) has no caller code. What both need lives in shared modules.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Modules either side may import: they import nothing but each other (and Node's builtins). */
const SHARED = [/^src\/env\//, /^src\/wire\//, /^src\/remote\/(markers|values)\.ts$/, /^src\/(errors|stack)\.ts$/];
const WORKER = /^src\/worker\//;

/** What esbuild knows of a bundle of this entry point: its source files (paths from the repository root) and their imports. */
async function metafileOf(entry) {
  const result = await build({
    entryPoints: [path.join(root, entry)],
    bundle: true,
    platform: 'node',
    format: 'esm',
    write: false,
    metafile: true,
    logLevel: 'silent',
    absWorkingDir: root,
  });
  return result.metafile;
}

async function inputsOf(entry) {
  return Object.keys((await metafileOf(entry)).inputs).filter((file) => file.startsWith('src/'));
}

test('the caller bundle imports no worker code (src/worker/)', async () => {
  const inputs = await inputsOf('src/index.ts');
  assert.deepEqual(
    inputs.filter((file) => WORKER.test(file)),
    [],
  );
});

test('the worker bundle imports only worker code and shared modules, no caller code', async () => {
  const inputs = await inputsOf('src/worker/main.ts');
  assert.ok(inputs.includes('src/worker/main.ts'), inputs.join(', '));
  assert.deepEqual(
    inputs.filter((file) => !WORKER.test(file) && !SHARED.some((shared) => shared.test(file))),
    [],
  );
});

test('shared modules import no caller code and no worker code', async () => {
  for (const entry of ['src/index.ts', 'src/worker/main.ts']) {
    for (const [file, { imports }] of Object.entries((await metafileOf(entry)).inputs)) {
      if (!SHARED.some((shared) => shared.test(file))) continue;
      const local = imports.map((i) => i.path).filter((p) => p.startsWith('src/'));
      assert.deepEqual(
        local.filter((p) => !SHARED.some((shared) => shared.test(p))),
        [],
        `${file} imports ${local.join(', ')}`,
      );
    }
  }
});
