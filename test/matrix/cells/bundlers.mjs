// Bundlers: an application that uses syncbridge, bundled into one file with syncbridge inside, still works.
// The worker's code is embedded in the library as a string, so the bundle needs no extra file and no
// bundler setting; to prove it, each bundle runs from a fresh folder holding only the bundle and the module
// it syncifies (no node_modules). The app prints what its calls returned; the cell checks every answer,
// including that runSync refuses, by name, an inline function whose import() the bundler rewrote.
import { cpSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

let built;
function buildOnce(ctx) {
  if (built) return built;
  const dir = ctx.copyFixture('bundler-esbuild');
  ctx.npmInstall(dir, [ctx.tarball]);
  for (const args of [['esm'], ['cjs'], ['esm', '--minify'], ['cjs', '--minify']]) {
    const result = ctx.run(process.execPath, ['build.mjs', ...args], { cwd: dir, timeout: 120_000 });
    if (result.status !== 0) throw new Error(`esbuild ${args.join(' ')} failed: ${result.summary()}`);
  }
  built = dir;
  return built;
}

function check(output) {
  const lines = output.trim().split('\n');
  const result = JSON.parse(lines[lines.length - 1]);
  const problems = [];
  const expect = (what, ok) => ok || problems.push(`${what}: got ${JSON.stringify(result[what.split(' ')[0]])}`);
  expect('add', result.add === 5);
  expect('firstLine', typeof result.firstLine === 'string' && result.firstLine.startsWith('// The async module the app syncifies'));
  expect('product', result.product === 42);
  expect('builtin', result.builtin === 6);
  expect('dynamicImport', result.dynamicImport === 6);
  expect(
    'bundledImport (refused by name, pointing at syncify)',
    result.bundledImport?.code === 'ERR_SYNCBRIDGE_CLOSURE' && /esbuild/.test(result.bundledImport.message) && /syncify/.test(result.bundledImport.message),
  );
  return problems;
}

const VARIANTS = [
  { column: 'format: esm', dist: 'dist-esm' },
  { column: 'format: cjs', dist: 'dist-cjs' },
  { column: 'esm, minified', dist: 'dist-esm-min' },
  { column: 'cjs, minified', dist: 'dist-cjs-min' },
];

export const cells = VARIANTS.map(({ column, dist }) => ({
  group: 'Bundlers',
  name: 'esbuild 0.28 (platform: node, bundle: true), no extra setting',
  column,
  run(ctx) {
    const dir = buildOnce(ctx);
    const alone = ctx.scratch(`bundle-${dist}`);
    cpSync(join(dir, dist), alone, { recursive: true });
    const bundle = readdirSync(alone).find((f) => f.startsWith('app.'));
    if (!bundle) return { status: 'fail', detail: `no bundle in ${dist}` };
    const result = ctx.run(ctx.runtime('node20'), [bundle], { cwd: alone, timeout: 60_000 });
    if (result.status !== 0) return { status: 'fail', detail: result.summary() };
    const problems = check(result.stdout);
    return problems.length ? { status: 'fail', detail: `${problems.join('; ')} (${result.summary()})` } : { status: 'pass' };
  },
}));
