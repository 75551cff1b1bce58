// Bundlers: an application that uses syncbridge, bundled into one file with syncbridge inside, still works.
// The worker's code is embedded in the library as a string, so the bundle needs no extra file and no
// bundler setting; to prove it, each bundle runs from a fresh folder holding only the bundler's output, the
// module the app syncifies, and the one package it syncifies by name (node_modules/escape-string-regexp). The app prints what its calls returned; the cell checks
// every answer. An inline runSync function whose import() the bundler rewrote cannot run in the worker:
// the cell checks that syncbridge refuses it by name (ERR_SYNCBRIDGE_CLOSURE, naming the bundler, pointing
// at syncify) rather than failing obscurely.
import { cpSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const BUILDS = {
  'esbuild-esm': ['build-esbuild.mjs', 'esm'],
  'esbuild-cjs': ['build-esbuild.mjs', 'cjs'],
  'esbuild-esm-min': ['build-esbuild.mjs', 'esm', '--minify'],
  'esbuild-cjs-min': ['build-esbuild.mjs', 'cjs', '--minify'],
  'webpack-esm': ['build-webpack.mjs', 'esm'],
  'webpack-cjs': ['build-webpack.mjs', 'cjs'],
};

let project;
function installed(ctx) {
  if (!project) {
    project = ctx.copyFixture('bundlers');
    ctx.npmInstall(project, [ctx.tarball]);
  }
  return project;
}

function build(ctx, dist) {
  const dir = installed(ctx);
  const result = ctx.run(process.execPath, BUILDS[dist], { cwd: dir, timeout: 120_000 });
  if (result.status !== 0) throw new Error(`${BUILDS[dist].join(' ')} failed: ${result.summary()}`);
  // A warning about syncbridge's code in the user's build is a defect too (webpack once warned
  // "Critical dependency: the request of a dependency is an expression" about createRequire().resolve()).
  if (/syncbridge/.test(result.stderr) && /warn/i.test(result.stderr)) throw new Error(`the build warns about syncbridge: ${result.stderr.trim()}`);
  return join(dir, dist);
}

const refusedBy = (tool) => (value) => value?.code === 'ERR_SYNCBRIDGE_CLOSURE' && value.message.includes(`by ${tool}`) && /syncify/.test(value.message);

function check(output, expected, files) {
  const lines = output.trim().split('\n');
  const result = JSON.parse(lines[lines.length - 1]);
  const problems = [];
  const expect = (key, ok) => ok(result[key]) || problems.push(`${key}: got ${JSON.stringify(result[key])}`);
  expect('add', (v) => v === 5);
  // The syncified module's first line, as the bundler left it beside the bundle (webpack minifies it).
  expect('firstLine', (v) => typeof v === 'string' && v.length > 0 && files.some((text) => text.split('\n')[0] === v));
  expect('product', (v) => v === 42);
  expect('builtin', (v) => v === 6);
  expect('byName', (v) => v === 'a\\.b');
  expect('dynamicImport', expected.dynamicImport);
  expect('bundledImport', expected.bundledImport);
  return problems;
}

const cell = (bundler, column, dist, expected) => ({
  group: 'Bundlers',
  name: bundler,
  column,
  run(ctx) {
    const alone = ctx.scratch(`bundle-${dist}`);
    cpSync(build(ctx, dist), alone, { recursive: true });
    const pkg = 'node_modules/escape-string-regexp';
    cpSync(join(installed(ctx), pkg), join(alone, pkg), { recursive: true });
    const bundle = readdirSync(alone).find((f) => /^app\.[cm]js$/.test(f));
    if (!bundle) return { status: 'fail', detail: `no bundle in ${dist}` };
    const result = ctx.run(ctx.runtime('node20'), [bundle], { cwd: alone, timeout: 60_000 });
    if (result.status !== 0) return { status: 'fail', detail: result.summary() };
    const files = readdirSync(alone)
      .filter((f) => f !== bundle && f !== 'node_modules')
      .map((f) => readFileSync(join(alone, f), 'utf8'));
    const problems = check(result.stdout, expected, files);
    return problems.length ? { status: 'fail', detail: `${problems.join('; ')} (${result.summary()})` } : { status: 'pass' };
  },
});

// esbuild leaves import('node:buffer') as written; it bundles escape-string-regexp and rewrites its import().
const ESBUILD = { dynamicImport: (v) => v === 6, bundledImport: refusedBy('a bundler (esbuild)') };
// webpack routes every import() through its own runtime, builtins included.
const WEBPACK = { dynamicImport: refusedBy('webpack'), bundledImport: refusedBy('webpack') };

const ESBUILD_ROW = 'esbuild 0.28 (platform: node, bundle: true), no extra setting';
const WEBPACK_ROW = 'webpack 5 (target: node, production), no extra setting';

export const cells = [
  cell(ESBUILD_ROW, 'format: esm', 'esbuild-esm', ESBUILD),
  cell(ESBUILD_ROW, 'format: cjs', 'esbuild-cjs', ESBUILD),
  cell(ESBUILD_ROW, 'esm, minified', 'esbuild-esm-min', ESBUILD),
  cell(ESBUILD_ROW, 'cjs, minified', 'esbuild-cjs-min', ESBUILD),
  cell(WEBPACK_ROW, 'esm, minified', 'webpack-esm', WEBPACK),
  cell(WEBPACK_ROW, 'cjs, minified', 'webpack-cjs', WEBPACK),
];
