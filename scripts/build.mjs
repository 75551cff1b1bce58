// Builds dist/: the worker bundled into a string, then the library as ESM and CommonJS with that string
// inlined, then type declarations for both. One esbuild call per output, no config files.
// Run by `npm run build`, and by npm itself as prepare/prepack: on `npm ci`, `npm pack`, `npm publish` and when
// the package is installed from git, so a tarball or a git dependency always carries dist/.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');

// Without the devDependencies (a checkout installed by path, `npm install ../syncbridge`, is linked, not
// installed) say what to do rather than print a module-resolution stack.
const tsc = path.join(root, 'node_modules/typescript/bin/tsc');
let build;
try {
  ({ build } = await import('esbuild'));
  if (!fs.existsSync(tsc)) throw Object.assign(new Error('typescript is not installed'), { code: 'ERR_MODULE_NOT_FOUND' });
} catch (error) {
  if (error?.code !== 'ERR_MODULE_NOT_FOUND') throw error;
  console.error(`syncbridge: building dist/ needs the devDependencies (esbuild, typescript), not installed in ${root}: run \`npm ci\` there first.`);
  process.exit(1);
}
fs.rmSync(dist, { recursive: true, force: true });

const { version } = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const common = { bundle: true, platform: 'node', target: 'node20', logLevel: 'warning', legalComments: 'none' };
const versionDefine = { __SYNCBRIDGE_VERSION__: JSON.stringify(version) };

// The worker runs with eval: true, as a CommonJS script.
// An IIFE, not bare CommonJS: an eval'd worker script's top-level names would be globals there, visible to
// (and clobbered by) the user's modules. `require` stays the one the eval'd script gets.
const worker = await build({ ...common, entryPoints: [path.join(root, 'src/worker/main.ts')], format: 'iife', write: false });
const workerSource = worker.outputFiles[0].text;

for (const [format, file] of [
  ['esm', 'index.mjs'],
  ['cjs', 'index.cjs'],
]) {
  await build({
    ...common,
    entryPoints: [path.join(root, 'src/index.ts')],
    format,
    outfile: path.join(dist, file),
    define: { __SYNCBRIDGE_WORKER_SOURCE__: JSON.stringify(workerSource), ...versionDefine },
  });
}

// The `syncbridge` command (package.json "bin"). It imports the library from ./index.mjs beside it instead of
// bundling a second copy, so `syncbridge doctor` runs exactly the code users' calls run.
await build({
  ...common,
  entryPoints: [path.join(root, 'src/cli.ts')],
  format: 'esm',
  outfile: path.join(dist, 'cli.mjs'),
  banner: { js: '#!/usr/bin/env node' },
  define: versionDefine,
  plugins: [
    {
      name: 'library-beside',
      setup(b) {
        b.onResolve({ filter: /^\.\/index\.js$/ }, () => ({ path: './index.mjs', external: true }));
      },
    },
  ],
});
fs.chmodSync(path.join(dist, 'cli.mjs'), 0o755);

// Declarations, emitted once and copied: TypeScript reads dist/types as ES module declarations (the package
// is "type": "module") and dist/cjs-types, marked "commonjs", as CommonJS ones for require() users.
execFileSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.json')], { stdio: 'inherit' });
pruneDeclarations(path.join(dist, 'types'));
fs.cpSync(path.join(dist, 'types'), path.join(dist, 'cjs-types'), { recursive: true });
fs.writeFileSync(path.join(dist, 'cjs-types/package.json'), '{ "type": "commonjs" }\n');
fs.writeFileSync(path.join(dist, 'index.d.mts'), "export * from './types/index.js';\n");
fs.writeFileSync(path.join(dist, 'index.d.cts'), "export * from './cjs-types/index.js';\n");
// On stderr: npm pack --json prints what prepack/prepare write to stdout before its JSON.
console.error(`built dist/ (worker ${(workerSource.length / 1024).toFixed(1)} KiB)`);

/**
 * Deletes the declarations that index.d.ts does not reach through its imports: tsc emits one per source file,
 * and the package should publish the types of its API, not those of every internal module (the worker's,
 * the CLI's, the doctor's helpers).
 */
function pruneDeclarations(dir) {
  const reached = new Set();
  const pending = [path.join(dir, 'index.d.ts')];
  while (pending.length > 0) {
    const file = pending.pop();
    if (reached.has(file)) continue;
    reached.add(file);
    // Comments may quote import paths (examples): only code counts.
    const code = fs
      .readFileSync(file, 'utf8')
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/^\s*\/\/.*$/gm, '');
    for (const [, specifier] of code.matchAll(/(?:from\s+|import\(\s*)['"](\.{1,2}\/[^'"]+)\.js['"]/g)) {
      pending.push(path.resolve(path.dirname(file), `${specifier}.d.ts`));
    }
  }
  const visit = (folder) => {
    for (const entry of fs.readdirSync(folder, { withFileTypes: true })) {
      const full = path.join(folder, entry.name);
      if (entry.isDirectory()) {
        visit(full);
        if (fs.readdirSync(full).length === 0) fs.rmdirSync(full);
      } else if (entry.name.endsWith('.d.ts') && !reached.has(full)) fs.rmSync(full);
    }
  };
  visit(dir);
  for (const file of reached)
    if (!fs.existsSync(file)) throw new Error(`build: ${path.relative(dir, file)} is imported by the declarations but was not emitted`);
}
