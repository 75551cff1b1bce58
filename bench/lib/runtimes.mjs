// The same benchmark under Bun and Deno, syncbridge alone (with the in-process lower bound and the
// hand-written floor beside it). The runtimes come from scripts/install-runtimes.mjs (.runtimes/).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export function otherRuntimes(budgetMs) {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  let runtimePath;
  const out = [];
  for (const name of ['bun', 'deno']) {
    try {
      runtimePath ??= spawnSync(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          "import { runtimePath } from './scripts/install-runtimes.mjs'; console.log(JSON.stringify({ bun: runtimePath('bun'), deno: runtimePath('deno') }))",
        ],
        { cwd: root, encoding: 'utf8' },
      );
      const paths = JSON.parse(runtimePath.stdout);
      const bin = paths[name];
      if (!bin) throw new Error(`not installed (node scripts/install-runtimes.mjs ${name})`);
      const version = spawnSync(bin, ['--version'], { encoding: 'utf8' }).stdout.trim().split('\n')[0];
      const args = [
        ...(name === 'deno' ? ['run', '-A'] : []),
        'bench/run.mjs',
        '--json',
        `--time=${budgetMs}`,
        '--only=plain await,floor (spin),floor (park),syncbridge,syncbridge (park only)',
        '--workloads=noop,1kb,64k-string,1m-copy,1m-transfer',
      ];
      const r = spawnSync(bin, args, { cwd: root, encoding: 'utf8', timeout: 900_000, maxBuffer: 64 * 1024 * 1024 });
      let parsed;
      try {
        parsed = JSON.parse(r.stdout);
      } catch {
        throw new Error(`${(r.stderr || r.error?.message || `exit ${r.status}`).trim().split('\n').slice(-3).join(' / ')}`);
      }
      out.push({ name, version, results: parsed.results });
    } catch (error) {
      out.push({ name, error: String(error.message ?? error).split('\n')[0] });
    }
  }
  return out;
}
