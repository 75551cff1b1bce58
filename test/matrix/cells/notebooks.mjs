// Notebooks: a Jupyter notebook executed headless (`jupyter nbconvert --execute`, Jupyter from Debian's
// packages: scripts/ci-setup-notebooks.sh) on a JavaScript/TypeScript kernel — Deno's `deno jupyter` and
// tslab's TypeScript and JavaScript kernels. The notebook's cells syncify a module and runSync functions
// and assert the results (a failed assertion is an error cell, and nbconvert exits non-zero); this file
// then reads the executed notebook: no error anywhere, and what the worker printed sits in the output of
// the cell that made the call.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';

const NOT_INSTALLED = 'jupyter not installed: run scripts/ci-setup-notebooks.sh';

let jupyter; // { ok, python, version } once probed
function probeJupyter(ctx) {
  if (jupyter) return jupyter;
  // Even `--version` may write to ~/.jupyter: point it at a scratch folder too.
  const scratch = ctx.scratch('jupyter-probe');
  const env = {
    ...process.env,
    JUPYTER_CONFIG_DIR: join(scratch, 'config'),
    JUPYTER_DATA_DIR: join(scratch, 'data'),
    JUPYTER_RUNTIME_DIR: join(scratch, 'runtime'),
  };
  const version = ctx.run('jupyter', ['nbconvert', '--version'], { timeout: 60_000, env });
  if (version.status !== 0) return (jupyter = { ok: false });
  // tslab's installer needs the Python that has jupyter_client: the one the `jupyter` script runs on.
  const which = ctx.run('sh', ['-c', 'command -v jupyter']);
  const shebang = readFileSync(which.stdout.trim(), 'utf8').split('\n')[0];
  const python = shebang.startsWith('#!') && !shebang.includes(' ') ? shebang.slice(2) : 'python3';
  return (jupyter = { ok: true, python, version: version.stdout.trim() });
}

let project; // { dir, env } once installed
function installedProject(ctx) {
  if (project) return project;
  const dir = ctx.copyFixture('notebooks');
  ctx.npmInstall(dir, [ctx.tarball]); // syncbridge from the tarball, tslab as pinned in package.json
  // Everything Jupyter, Deno and IPython write goes into the scratch project, nothing into ~/.
  const home = join(dir, '.home');
  const kernels = join(dir, '.jupyter-kernels');
  for (const d of [home, kernels]) mkdirSync(d, { recursive: true });
  const env = {
    ...process.env,
    PATH: [dirname(process.execPath), process.env.PATH].join(delimiter), // tslab's kernel runs on this Node
    JUPYTER_PATH: [join(kernels, 'share/jupyter'), join(home, '.local/share/jupyter')].join(delimiter),
    JUPYTER_DATA_DIR: join(dir, '.jupyter-data'),
    JUPYTER_CONFIG_DIR: join(dir, '.jupyter-config'),
    JUPYTER_RUNTIME_DIR: join(dir, '.jupyter-runtime'),
    JUPYTER_PLATFORM_DIRS: '1',
    IPYTHONDIR: join(dir, '.ipython'),
    DENO_DIR: join(dir, '.deno'),
    DENO_NO_UPDATE_CHECK: '1',
    NO_COLOR: '1',
  };
  project = { dir, env, home, kernels };
  return project;
}

const kernelSetups = {
  deno(ctx, p) {
    // `deno jupyter --install` writes its kernelspec under $HOME/.local/share/jupyter (it ignores
    // JUPYTER_DATA_DIR), so it gets the scratch HOME; JUPYTER_PATH above points there.
    const installed = ctx.run(ctx.runtime('deno'), ['jupyter', '--install', '--force'], { cwd: p.dir, env: { ...p.env, HOME: p.home } });
    if (installed.status !== 0) throw new Error(`deno jupyter --install: ${installed.summary()}`);
    if (!existsSync(join(p.home, '.local/share/jupyter/kernels/deno/kernel.json')))
      throw new Error(`deno jupyter --install wrote no kernelspec: ${installed.summary()}`);
  },
  tslab(ctx, p) {
    if (existsSync(join(p.kernels, 'share/jupyter/kernels/tslab/kernel.json'))) return;
    const args = ['install', `--prefix=${p.kernels}`, `--python=${probeJupyter(ctx).python}`, `--binary=${join(p.dir, 'node_modules/.bin/tslab')}`];
    const installed = ctx.run(join(p.dir, 'node_modules/.bin/tslab'), args, { cwd: p.dir, env: p.env });
    if (installed.status !== 0) throw new Error(`tslab install: ${installed.summary()}`);
  },
};

const streamText = (cell, name = 'stdout') =>
  cell.outputs
    .filter((o) => o.output_type === 'stream' && o.name === name)
    .map((o) => (Array.isArray(o.text) ? o.text.join('') : o.text))
    .join('');

/** What is wrong with the executed notebook, or undefined. */
function checkExecuted(path) {
  const notebook = JSON.parse(readFileSync(path, 'utf8'));
  const byId = Object.fromEntries(notebook.cells.map((c) => [c.id, c]));
  for (const cell of notebook.cells) {
    const error = cell.outputs.find((o) => o.output_type === 'error');
    if (error) return `cell "${cell.id}" failed: ${error.ename}: ${error.evalue}`;
  }
  // Every cell prints what it proved last, so a cell whose error got lost on the way still shows up.
  const expect = [
    ['setup', ['setup ok']],
    ['add', ['add(2, 3) = 5']],
    ['state-1', ['count() = 1']],
    ['state-2', ['count() = 2']],
    ['run-sync', ['runSync product = 42']],
    ['worker-output', ['hello from the worker, notebook\n', 'caller: greet() returned 8\n', 'runSync says hi from the worker\n']],
    ['errors', ['errors ok']],
    ['long-wait', ['slow call done']],
    ['long-wait', ['syncbridge: runSync(anonymous function) has been blocking this thread for'], 'stderr'],
    ['done', ['NOTEBOOK OK']],
  ];
  for (const [id, lines, stream = 'stdout'] of expect) {
    const text = streamText(byId[id] ?? { outputs: [] }, stream);
    let at = 0;
    for (const line of lines) {
      const found = text.indexOf(line, at);
      if (found < 0) {
        const elsewhere = notebook.cells.filter((c) => c.id !== id && streamText(c, stream).includes(line)).map((c) => c.id);
        return `cell "${id}": expected ${JSON.stringify(line)} on its ${stream} (in this order), got ${JSON.stringify(text)}${elsewhere.length ? `; it is in cell ${elsewhere.join(', ')}` : '; it is in no cell'}`;
      }
      at = found + line.length;
    }
  }
  return undefined;
}

/** From nbconvert's stderr: the source of the cell that failed and the kernel's error, on one line. */
function cellError(stderr) {
  const at = stderr.indexOf('An error occurred while executing the following cell:');
  if (at < 0) return undefined;
  const lines = stderr
    .slice(at)
    .split('\n')
    .filter((l) => l.trim() && !/^-+$/.test(l.trim()));
  return lines.slice(0, 20).join(' | ');
}

function runNotebook(ctx, kernel, file) {
  const probe = probeJupyter(ctx);
  if (!probe.ok) return { status: 'n/a', detail: NOT_INSTALLED };
  const p = installedProject(ctx);
  kernelSetups[kernel](ctx, p);
  const output = file.replace(/\.ipynb$/, '.executed.ipynb');
  const result = ctx.run(
    'jupyter',
    ['nbconvert', '--to', 'notebook', '--execute', file, '--output', output, '--ExecutePreprocessor.timeout=120', '--ExecutePreprocessor.startup_timeout=120'],
    { cwd: p.dir, env: p.env, timeout: 240_000 },
  );
  const executed = join(p.dir, output);
  // nbconvert stops at the first error cell (exit non-zero) and writes nothing then: say which cell and why.
  if (result.status !== 0) return { status: 'fail', detail: cellError(result.stderr) ?? result.summary() };
  if (!existsSync(executed)) return { status: 'fail', detail: `nbconvert wrote no ${output}: ${result.summary()}` };
  const wrong = checkExecuted(executed);
  return wrong ? { status: 'fail', detail: wrong } : { status: 'pass', detail: `nbconvert ${probe.version}` };
}

// Deno's kernel (2.9.6; cli/js/jupyter_kernel.js) queues console output and publishes it from a separate loop,
// and may say a cell is done before that loop has sent the cell's last lines; nbconvert stops reading a cell
// there and drops them. It does so with no syncbridge in the notebook (fixtures/notebooks/deno-output-race.py:
// 11 of 20 runs of a plain console.log notebook lost a line, every one sent 0-8 ms after "idle"; 0 of 20 with
// a 250 ms await at the end of each cell). So the Deno notebook's cells end with that await, in which the
// kernel sends what they printed; a line still missing then fails the cell (there is no retry).
const DENO_NOTE =
  "each cell of the notebook ends with `await` of a 250 ms timer. Deno's kernel may mark a cell done before it has sent " +
  "the cell's last console lines, and nbconvert then drops them, with or without syncbridge " +
  '(test/matrix/fixtures/notebooks/deno-output-race.py reproduces it with plain console.log)';

const NAME = 'Jupyter notebook, run by nbconvert: syncify + runSync, worker output in the cell';

export const cells = [
  { column: 'Deno kernel (deno jupyter)', kernel: 'deno', file: 'deno.ipynb' },
  { column: 'tslab TypeScript kernel', kernel: 'tslab', file: 'tslab-typescript.ipynb' },
  { column: 'tslab JavaScript kernel', kernel: 'tslab', file: 'tslab-javascript.ipynb' },
].map(({ column, kernel, file }) => ({
  group: 'Notebooks',
  name: NAME,
  column,
  run(ctx) {
    const outcome = runNotebook(ctx, kernel, file);
    return kernel === 'deno' && outcome.status === 'pass' ? { ...outcome, note: DENO_NOTE } : outcome;
  },
}));
