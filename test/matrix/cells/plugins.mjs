// Real tools' plugin and callback APIs from npm, called synchronously: functions the caller passes (an
// esbuild plugin, a sass importer, a prettier parser, a chokidar listener) reach the worker as functions, and when the tool
// calls them they run on the caller's thread (each script prints the thread its hooks ran on and reads its
// own module's variables in them). On every runtime, against the packed tarball; the fixture
// (test/matrix/fixtures/plugins) pins exact versions.
import { lines, mismatch, RUNTIMES, scriptCommand } from './runtimes.mjs';

const PLUGINS = [
  {
    name: 'esbuild 0.28 build() with a JS plugin: setup gets a proxy of `build`, onResolve/onLoad/onEnd run on the caller, context() + rebuild(), build.resolve() in a hook, a hook that throws',
    script: 'esbuild.mjs',
    stdout: [
      'bundle: 0 errors, inlines 42: true, inlines "caller": true',
      'hooks: onEnd(0 errors)@0 onLoad@0 onLoad@0 onResolve@0 onResolve@0 setup:values@0',
      'context: rebuild() twice: esm build 1, esm build 2',
      'throwing hook: [strict] no value value:missing',
      'esbuild ok',
    ],
  },
  {
    name: 'sass 1.108 compileStringAsync / compileAsync with a custom importer: canonicalize returns a URL, load gets a URL, loadedUrls are URLs; a custom function returning a SassNumber; logger.warn',
    script: 'sass.mjs',
    stdout: [
      'compileStringAsync: a{color:#c0ffee}; loadedUrls: URL palette:colors',
      'compileAsync: p{color:#123456}; loadedUrls: file:, palette:',
      'hooks: canonicalize(palette:colors)@0 load(URL colors)@0 canonicalize(palette:colors)@0 load(URL colors)@0',
      'function: a{width:42px}; double(21px)@0; logger.warn: careful@0',
      'throwing importer: Error: the palette is closed',
      'sass ok',
    ],
  },
  {
    name: "prettier 3.10 format() with a plugin whose parser's parse() runs on the caller, printed by prettier's estree printer; a parser that throws",
    script: 'prettier.mjs',
    stdout: [
      `format: ${JSON.stringify("let a = { b: 1, c: 'two' };\nlet f = (x) => x * 2;\n")}`,
      'hooks: parse@0 x1',
      'throwing parser: SyntaxError: cannot parse x',
      'prettier ok',
    ],
  },
  {
    name: "chokidar 5 watch(): an EventEmitter proxy, `.on('add', listener)` fires on the caller's event loop between calls, close()",
    script: 'chokidar.mjs',
    stdout: [
      'watcher: [remote FSWatcher #n]',
      'on() returns the watcher: true',
      'events: add a.txt@0 add b.txt@0',
      'watched: a.txt, b.txt',
      'closed: true',
      'chokidar ok',
    ],
  },
];

function pluginCell(plugin, runtime) {
  return {
    group: 'Plugins and callbacks from npm tools',
    name: plugin.name,
    column: runtime,
    run(ctx) {
      const dir = ctx.installedFixture('plugins');
      const [command, args] = scriptCommand(ctx, runtime, plugin.script);
      const result = ctx.run(command, args, { cwd: dir, env: { ...process.env, NO_COLOR: '1' }, timeout: 90_000 });
      if (result.status !== 0) return { status: 'fail', detail: result.summary() };
      const wrong = mismatch(lines(result.stdout), plugin.stdout);
      return wrong ? { status: 'fail', detail: `${wrong} (stderr: ${result.stderr.trim().slice(0, 400)})` } : { status: 'pass' };
    },
  };
}

export const cells = PLUGINS.flatMap((plugin) => RUNTIMES.map((runtime) => pluginCell(plugin, runtime)));
