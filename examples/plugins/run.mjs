// `node examples/plugins/run.mjs`: esbuild's and sass's async APIs called synchronously, with a plugin and
// an importer written here. Their hooks run on this thread (they read this module's variables and count
// into them); the tools run in syncbridge's worker. Exits non-zero if anything goes wrong.
import { threadId } from 'node:worker_threads';
import { runSync, syncify } from 'syncbridge';

// This folder's own esbuild and sass (examples/plugins/node_modules), whatever the current directory.
const esbuild = syncify(import.meta.resolve('esbuild'), { timeout: 30_000 });
const sass = syncify(import.meta.resolve('sass'), { timeout: 30_000 });

const workerThread = runSync(async () => (await import('node:worker_threads')).threadId);
console.log(`this script runs on thread ${threadId}; syncbridge's worker is thread ${workerThread}`);

// This module's state: the worker has no copy of it, so every hook that uses it ran here.
const settings = { greeting: 'hello from run.mjs', brand: '#c0ffee' };
const hooks = []; // every hook call, as `name@threadId`
const record = (name) => hooks.push(`${name}@${threadId}`);

// A sass importer: `theme:colors` is made from `settings`, not read from a file.
const themeImporter = {
  canonicalize(url) {
    record('canonicalize');
    return url.startsWith('theme:') ? new URL(url) : null;
  },
  load(canonicalUrl) {
    record('load');
    if (canonicalUrl.pathname !== 'colors') return null; // a URL here too
    return { contents: `$brand: ${settings.brand};`, syntax: 'scss' };
  },
};

// 1. sass.compileStringAsync and sass.compileAsync with the importer.
const fromString = sass.compileStringAsync("@use 'theme:colors'; a { color: colors.$brand; }", { importers: [themeImporter], style: 'compressed' });
console.log(`compileStringAsync: ${fromString.css}; loadedUrls: ${fromString.loadedUrls.map(String).join(', ')}`);
const fromFile = sass.compileAsync(new URL('./src/app.scss', import.meta.url).pathname, { importers: [themeImporter], style: 'compressed' });
console.log(`compileAsync: ${fromFile.css}; URLs are URLs: ${fromFile.loadedUrls.every((u) => u instanceof URL)}`);
console.log(`importer hooks: ${hooks.join(' ')}`);

// 2. esbuild.build with a plugin: `settings:<key>` imports become this module's settings, and `.scss`
// imports are compiled by sass from inside onLoad (a call into the worker from a hook the worker called).
hooks.length = 0;
const settingsPlugin = {
  name: 'settings',
  setup(build) {
    record(`${this.name}.setup`); // `this` is this object
    build.onResolve({ filter: /^settings:/ }, (args) => {
      record('onResolve');
      return { path: args.path.slice('settings:'.length), namespace: 'settings' };
    });
    build.onLoad({ filter: /.*/, namespace: 'settings' }, (args) => {
      record('onLoad');
      return { contents: JSON.stringify(settings[args.path]), loader: 'json' };
    });
    build.onLoad({ filter: /\.scss$/ }, (args) => {
      record('onLoad(scss)');
      const { css } = sass.compileAsync(args.path, { importers: [themeImporter], style: 'compressed' });
      return { contents: css, loader: 'text' };
    });
  },
};
const result = esbuild.build({
  entryPoints: [new URL('./src/app.js', import.meta.url).pathname],
  bundle: true,
  write: false,
  format: 'esm',
  logLevel: 'silent',
  plugins: [settingsPlugin],
});
const bundle = result.outputFiles[0].text;
console.log(
  `build: ${result.errors.length} errors; bundle inlines ${JSON.stringify(settings.greeting)}: ${bundle.includes(JSON.stringify(settings.greeting))}, the compiled css: ${bundle.includes('.button{color:#c0ffee')}`,
);
// esbuild runs hooks concurrently (the settings onLoad may run while the scss one waits for sass): sorted.
console.log(`plugin hooks: ${hooks.sort().join(' ')}`);

// 3. A hook's error becomes esbuild's build error, with the plugin's name and the message.
try {
  esbuild.build({
    stdin: { contents: "import 'settings:missing'" },
    bundle: true,
    write: false,
    logLevel: 'silent',
    plugins: [
      {
        name: 'strict',
        setup: (build) =>
          build.onResolve({ filter: /^settings:/ }, (args) => {
            throw new RangeError(`no setting ${args.path}`);
          }),
      },
    ],
  });
} catch (error) {
  console.log(`failing hook: ${error.constructor.name}: ${error.errors.map((e) => `[plugin ${e.pluginName}] ${e.text}`).join('; ')}`);
}

// 4. A hook cannot be async: while this thread is blocked, nothing could await it.
try {
  esbuild.build({
    stdin: { contents: "import 'settings:later'" },
    bundle: true,
    write: false,
    logLevel: 'silent',
    plugins: [{ name: 'async', setup: (build) => build.onResolve({ filter: /^settings:/ }, async () => ({ path: 'later', namespace: 'settings' })) }],
  });
} catch (error) {
  console.log(`async hook: ${error.errors[0].text.split('\n')[0]}`);
}
console.log('plugins example finished');
