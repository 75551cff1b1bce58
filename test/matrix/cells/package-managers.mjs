// Package managers: the same small project installed with pnpm (symlinked node_modules, dependencies visible
// only to who declares them) and with Yarn Plug'n'Play (no node_modules: packages stay in zip files, the
// caller runs under `yarn node`, which puts the PnP runtime and ESM loader in NODE_OPTIONS). In both, a
// library installed as a dependency syncifies its own module, which imports the library's own dependency;
// a module of the project imports a package; a package is syncified by name; runSync imports a package;
// and a worker module importing an undeclared package fails with ERR_SYNCBRIDGE_MODULE, not a hang.
// pnpm and Yarn come from npm packages (pnpm, @yarnpkg/cli-dist), pinned below.
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';

const PNPM = 'pnpm@12.21.0';
const YARN = '@yarnpkg/cli-dist@4.18.1';

let tools;
/** pnpm and Yarn, installed with npm into a scratch folder once per matrix run. */
function toolsDir(ctx) {
  if (!tools) {
    tools = ctx.scratch('package-manager-tools');
    ctx.run('npm', ['init', '-y'], { cwd: tools });
    ctx.npmInstall(tools, [PNPM, YARN]);
  }
  return tools;
}

const projects = new Map();
function project(ctx, fixture, install) {
  if (!projects.has(fixture)) {
    const dir = ctx.copyFixture(fixture);
    copyFileSync(ctx.tarball, join(dir, 'syncbridge.tgz')); // package.json: "syncbridge": "file:./syncbridge.tgz"
    install(dir);
    projects.set(fixture, dir);
  }
  return projects.get(fixture);
}

function installWithPnpm(ctx, dir) {
  const pnpm = join(toolsDir(ctx), 'node_modules/pnpm/bin/pnpm.mjs');
  // CI=true would make pnpm insist on a lockfile; the store stays inside the project.
  const result = ctx.run(process.execPath, [pnpm, 'install', '--no-frozen-lockfile', '--store-dir', join(dir, '.pnpm-store')], { cwd: dir, timeout: 300_000 });
  if (result.status !== 0) throw new Error(`pnpm install failed: ${result.summary()}`);
}

function yarnCli(ctx) {
  return join(toolsDir(ctx), 'node_modules/@yarnpkg/cli-dist/bin/yarn.js');
}

function installWithYarn(ctx, dir) {
  const result = ctx.run(process.execPath, [yarnCli(ctx), 'install'], {
    cwd: dir,
    timeout: 300_000,
    env: { ...process.env, YARN_ENABLE_IMMUTABLE_INSTALLS: 'false' },
  });
  if (result.status !== 0) throw new Error(`yarn install failed: ${result.summary()}`);
}

/** Runs both callers (ES module and CommonJS); each prints "ok" after its assertions. */
function runCallers(ctx, commandFor) {
  for (const caller of ['caller.mjs', 'caller.cjs']) {
    const [command, args, options] = commandFor(caller);
    const result = ctx.run(command, args, { timeout: 90_000, ...options });
    if (result.status !== 0 || result.stdout.trim() !== 'ok') return { status: 'fail', detail: `${caller}: ${result.summary()}` };
  }
  return { status: 'pass' };
}

const COLUMNS = ['node20', 'node22', 'node24', 'node26'];

const pnpmCells = COLUMNS.map((runtime) => ({
  group: 'Package managers',
  name: 'pnpm 12 (symlinked node_modules)',
  column: runtime,
  run(ctx) {
    const dir = project(ctx, 'pm-pnpm', (d) => installWithPnpm(ctx, d));
    return runCallers(ctx, (caller) => [ctx.runtime(runtime), [caller], { cwd: dir }]);
  },
}));

const yarnCells = COLUMNS.map((runtime) => ({
  group: 'Package managers',
  name: "Yarn 4 Plug'n'Play (`yarn node`, zip-installed packages)",
  column: runtime,
  run(ctx) {
    const dir = project(ctx, 'pm-yarn-pnp', (d) => installWithYarn(ctx, d));
    // `yarn node` runs the Node that runs Yarn, with the PnP hooks in NODE_OPTIONS.
    const result = runCallers(ctx, (caller) => [ctx.runtime(runtime), [yarnCli(ctx), 'node', caller], { cwd: dir }]);
    return result;
  },
}));

export const cells = [...pnpmCells, ...yarnCells];
