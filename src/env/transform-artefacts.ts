/**
 * runSync sends a function's *source* to the worker. Test runners, coverage tools and bundlers rewrite that
 * source before it runs — counters injected by coverage instrumentation, import() turned into a helper of
 * the tool's module system — and what they add exists only in the calling thread. Such a function cannot
 * run in the worker, so it is refused with a message naming the tool and the way out (syncify), instead of
 * a puzzling "cov_1x2y3z is not defined".
 */

export interface TransformArtefact {
  /** What rewrote the function. */
  tool: string;
  /** The name in the source that gives it away. */
  name: string;
  /** A second way out besides syncify, when there is one. */
  alternative?: string;
}

interface Pattern {
  /** Cheap substrings, one of which the source must contain before the regular expression is tried (hot path). */
  hints: string[];
  /** Finds the artefact in a function's source; group 1 is the name. */
  source: RegExp;
  /** Matches the name alone (a "<name> is not defined" seen in the worker), where the name tells. */
  name?: RegExp;
  tool: string;
  alternative?: string;
}

const COVERAGE_ALTERNATIVE = 'or leave this file out of coverage instrumentation (collectCoverageFrom / coverage.exclude)';

const PATTERNS: Pattern[] = [
  {
    // istanbul (babel-plugin-istanbul, nyc, Jest's default coverage, Vitest's istanbul provider):
    // `cov_2hco13l4fj().s[3]++`
    hints: ['cov_'],
    source: /\b(cov_[a-z0-9]+)\(\)\s*\.\s*[sfb]\s*\[/,
    name: /^cov_[a-z0-9]+$/,
    tool: 'coverage instrumentation (istanbul, e.g. Jest --coverage)',
    alternative: COVERAGE_ALTERNATIVE,
  },
  {
    // Vite's SSR transform, which Vitest runs on test files and the modules they import:
    // import() → __vite_ssr_dynamic_import__(), imported bindings → __vite_ssr_import_0__.x
    hints: ['__vite_ssr_', '__vi_import_'],
    source: /\b(__vite_ssr_[a-zA-Z0-9_]+__|__vi_import_\d+__)/,
    name: /^(?:__vite_ssr_[a-zA-Z0-9_]+__|__vi_import_\d+__)$/,
    tool: "Vite's module transform (Vitest, Vite SSR), which rewrites import() and imported names",
  },
  {
    hints: ['__webpack_require__', '__WEBPACK_IMPORTED_MODULE_'],
    source: /\b(__webpack_require__|[a-zA-Z0-9_$]+__WEBPACK_IMPORTED_MODULE_\d+__)/,
    name: /^(?:__webpack_require__|[a-zA-Z0-9_$]+__WEBPACK_IMPORTED_MODULE_\d+__)$/,
    tool: 'webpack, which rewrites import() and imported names',
  },
  {
    // esbuild bundling what import() loads into the bundle: import('pkg') → Promise.resolve().then(() =>
    // (init_pkg(), pkg_exports)), or (ke(),xe) once minified. The whole shape is looked for, not the names.
    hints: ['Promise.resolve().then('],
    source: /Promise\.resolve\(\)\.then\(\(\)\s*=>\s*\(\s*([\w$]+)\(\)\s*,\s*[\w$]+\s*\)\s*\)/,
    tool: 'a bundler (esbuild), which replaced import() with the copy of the module it bundled',
    alternative: 'or mark that package external in the bundler so that import() stays as written and the worker loads it from node_modules',
  },
  {
    // esbuild / tsup / Babel / TypeScript CommonJS output: import() → Promise.resolve().then(() => __toESM(require(x)))
    hints: ['__to', '__require', '__import', '_interopRequire'],
    source: /\b(__toESM|__toCommonJS|__require|__importStar|__importDefault|_interopRequireWildcard|_interopRequireDefault)\s*\(/,
    name: /^(?:__toESM|__toCommonJS|__require|__importStar|__importDefault|_interopRequireWildcard|_interopRequireDefault)$/,
    tool: 'a compiler or bundler that turned import() into helpers of its CommonJS output (esbuild, TypeScript, Babel)',
    alternative: 'or load what the function needs without import(), e.g. process.getBuiltinModule("node:fs") for a builtin',
  },
];

/** The first sign, in a function's source, that a tool rewrote it. */
export function findTransformArtefact(source: string): TransformArtefact | undefined {
  for (const pattern of PATTERNS) {
    if (!pattern.hints.some((hint) => source.includes(hint))) continue;
    const match = pattern.source.exec(source);
    if (match) return { tool: pattern.tool, name: match[1]!, alternative: pattern.alternative };
  }
  return undefined;
}

/**
 * Shapes a minifier leaves without telling names. Too loose to refuse a function up front (user code may look
 * alike), they are only consulted once the worker reports that the captured name is not defined.
 */
const SHAPES: Array<{ source: RegExp; tool: string }> = [
  {
    // webpack, minified: import(x) → Promise.resolve().then(() => p(821)), n.t(573, 19), p.bind(p, 821),
    // or p.e(163).then(p.bind(p, 821)) when the module went into a chunk.
    source: /Promise\.resolve\(\)\.then\(\s*(?:\(\)\s*=>\s*)?([\w$]+)(?:\.t)?(?:\(|\.bind\(\s*[\w$]+\s*,)\s*\d+|\b([\w$]+)\.e\(\s*\d+\s*\)\.then\(/g,
    tool: 'webpack, which replaced import() with its own module loading',
  },
];

/** The same, for the name a ReferenceError in the worker reports as not defined, in the source that ran. */
export function transformArtefactOf(name: string, source: string): TransformArtefact | undefined {
  const pattern = PATTERNS.find((p) => p.name?.test(name));
  if (pattern) return { tool: pattern.tool, name, alternative: pattern.alternative };
  for (const shape of SHAPES) {
    for (const match of source.matchAll(shape.source)) {
      if ((match[1] ?? match[2]) === name) return { tool: shape.tool, name };
    }
  }
  return undefined;
}

export function transformArtefactMessage(artefact: TransformArtefact): string {
  return (
    `The function passed to runSync was rewritten before it ran, by ${artefact.tool}: its source uses ` +
    `"${artefact.name}", which that tool defines only in this thread, not in the worker where runSync evaluates ` +
    `the source. Put the function in a module of its own and call it through syncify ` +
    `(syncify(new URL('./tasks.js', import.meta.url)).task(...)): the worker loads that module itself, untransformed` +
    `${artefact.alternative ? `; ${artefact.alternative}` : ''}.`
  );
}
