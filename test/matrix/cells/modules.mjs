// Worker modules: every kind of module file a user syncifies, from an ES module caller, on each runtime.
// ES modules are checked through their namespace (named export + default export), CommonJS through
// module.exports = { ... } (its functions called on module.exports, as `exports.fn()` would be).
const COLUMNS = ['node20', 'node22', 'node24', 'node26', 'bun', 'deno'];

const KINDS = [
  { name: '`.mjs`', file: 'esm/mod.mjs', shape: 'esm' },
  { name: '`.mjs` holding a UMD bundle (`typeof module` check)', file: 'esm/umd.mjs', shape: 'esm' },
  { name: '`.cjs`', file: 'cjs/mod.cjs', shape: 'cjs' },
  { name: '`.js` under `"type": "module"`', file: 'typed-module/mod.js', shape: 'esm' },
  { name: '`.js` under `"type": "commonjs"`', file: 'typed-commonjs/mod.js', shape: 'cjs' },
  { name: '`.js` under a package.json without "type"', file: 'untyped/mod.js', shape: 'cjs' },
  { name: '`.ts` (no loader)', file: 'ts/mod.ts', shape: 'esm' },
  { name: '`.mts` (no loader)', file: 'ts/mod.mts', shape: 'esm' },
  { name: '`.cts` (no loader)', file: 'ts/mod.cts', shape: 'cjs' },
];

const installedProject = (ctx) => ctx.installedFixture('worker-modules');

function command(ctx, runtime, args) {
  const binary = ctx.runtime(runtime);
  return runtime === 'deno' ? [binary, ['run', '-A', ...args]] : [binary, args];
}

/** The SyncBridgeError the caller printed (exit 3) when the module could not be used, if that is what happened. */
function bridgeError(result) {
  if (result.status !== 3) return undefined;
  try {
    return JSON.parse(result.stdout.trim().split('\n').at(-1));
  } catch {
    return undefined;
  }
}

function nodeMajorMinor(ctx, runtime) {
  const out = ctx.run(ctx.runtime(runtime), ['-p', 'process.versions.node']).stdout.trim();
  return out.split('.').map(Number);
}

/** Whether this runtime itself (no syncbridge) gives a plain import() of the file the export `add`. */
function runtimeImports(ctx, runtime, dir, file) {
  const probe = `import(${JSON.stringify(new URL(file, `file://${dir}/`).href)}).then((m) => console.log(typeof (m.add ?? m.default?.add)), (e) => console.log('throws', e.code ?? e.message))`;
  const [binary, args] = runtime === 'deno' ? [ctx.runtime(runtime), ['eval', probe]] : [ctx.runtime(runtime), ['-e', probe]];
  return ctx.run(binary, args, { cwd: dir, timeout: 30_000 }).stdout.trim();
}

export const cells = KINDS.flatMap((kind) =>
  COLUMNS.map((runtime) => ({
    group: 'Worker modules',
    name: kind.name,
    column: runtime,
    run(ctx) {
      const dir = installedProject(ctx);
      const [binary, args] = command(ctx, runtime, ['caller.mjs', kind.file, kind.shape]);
      const result = ctx.run(binary, args, { cwd: dir, timeout: 60_000 });
      if (result.status === 0 && result.stdout.trim() === 'ok') return { status: 'pass' };
      const error = bridgeError(result);
      if (error && /\.[cm]?ts$/.test(kind.file) && runtime.startsWith('node')) {
        // Node before 22.18 does not load TypeScript without a flag or a loader (see the TypeScript group):
        // acceptable only if the error says how to make it load.
        const [major, minor] = nodeMajorMinor(ctx, runtime);
        const strips = major > 22 || (major === 22 && minor >= 18);
        const helpful = error.code === 'ERR_SYNCBRIDGE_MODULE' && /node --import tsx/.test(error.message) && /--experimental-strip-types/.test(error.message);
        if (!strips && helpful) {
          return {
            status: 'n/a',
            detail: `Node ${major}.${minor} loads TypeScript only under a loader such as tsx${major >= 22 ? ' or with --experimental-strip-types' : ''} (see TypeScript); the error says so: ERR_SYNCBRIDGE_MODULE "… Run your program under tsx …"`,
          };
        }
      }
      if (error && runtime === 'deno' && kind.file === 'untyped/mod.js' && /^(?:undefined|throws)/.test(runtimeImports(ctx, runtime, dir, kind.file))) {
        return {
          status: 'n/a',
          detail:
            'Deno treats a .js file without "type": "commonjs" as an ES module (a plain import() of it fails there too); mark the package "type": "commonjs" or name the file .cjs',
        };
      }
      return { status: 'fail', detail: result.summary() };
    },
  })),
);
