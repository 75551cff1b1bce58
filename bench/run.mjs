// Per-call latency of calling async code from sync code: syncbridge against
// plain `await` (the floor) and two existing libraries, all in one process so
// the "x vs syncbridge" ratios compare like with like.
//
//   node bench/run.mjs            table on stdout
//   node bench/run.mjs --json     JSON on stdout (progress and npm output go to stderr)
//   node bench/run.mjs --time=MS  time budget per contender per workload (default 1000)
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import os from 'node:os'
import { fileURLToPath } from 'node:url'
import { isDeepStrictEqual } from 'node:util'
import { bigBytes, smallObject } from './fixtures/payloads.mjs'
import * as workload from './fixtures/workload.mjs'
import { summarize } from './lib/stats.mjs'

const here = (path) => new URL(path, import.meta.url)
const argv = process.argv.slice(2)
const asJson = argv.includes('--json')
const budgetMs = Number(argv.find((a) => a.startsWith('--time='))?.slice(7) ?? 1000)
if (!(budgetMs > 0)) throw new Error('--time wants a positive number of milliseconds, e.g. --time=500')
const log = (msg) => process.stderr.write(`${msg}\n`) // stderr, so --json stdout stays parseable
const notes = []

// Many short rounds rather than one long stint per contender: a burst of
// machine noise (this is a shared 2-core box) then lands on everyone alike.
const ROUNDS = 20
// The in-process floor would otherwise log ~10 million samples per workload;
// 50k a round pins its percentiles just as well and bounds memory and sorting.
const MAX_CALLS_PER_ROUND = 50_000
const WORKLOADS = [
  { name: 'noop', fn: 'noop', warmup: 200, minCalls: 200 },
  { name: 'echo ~1 KB object', fn: 'echo', arg: smallObject(), warmup: 200, minCalls: 200 },
  // Each call copies 2 MiB (there and back), so fewer calls suffice.
  { name: 'echo 1 MiB Uint8Array', fn: 'echo', arg: bigBytes(), warmup: 20, minCalls: 50 },
]

// The anchors are bench-only devDependencies; install them on first run so
// `npm run bench` works on a fresh clone with nothing but Node and npm.
function ensureAnchors() {
  const anchors = ['synckit', 'make-synchronized']
  if (anchors.every((name) => existsSync(here(`node_modules/${name}/package.json`)))) return
  log('bench: installing synckit and make-synchronized into bench/node_modules ...')
  const result = spawnSync('npm', ['install', '--no-audit', '--no-fund'], {
    cwd: fileURLToPath(here('.')),
    stdio: ['inherit', asJson ? 2 : 'inherit', 'inherit'], // keep npm's chatter out of the JSON
    shell: process.platform === 'win32', // npm is npm.cmd there
  })
  if (result.status !== 0) {
    throw new Error(`npm install in bench/ failed: ${result.error?.message ?? `exit code ${result.status}`}`)
  }
}

const versionOf = (pkgJson) => JSON.parse(readFileSync(here(pkgJson), 'utf8')).version

// Each contender maps an export name to a callable; `isAsync` marks the one
// whose calls must be awaited.
async function loadContenders() {
  const workloadUrl = here('fixtures/workload.mjs')
  const contenders = [{ name: 'plain await', isAsync: true, get: (name) => workload[name] }]

  // syncbridge is built by `npm run build`; while it is absent, bench the rest.
  const dist = here('../dist/index.mjs')
  if (!existsSync(dist)) {
    notes.push('syncbridge skipped: dist/index.mjs not found (run `npm run build`)')
  } else {
    try {
      const { syncify } = await import(dist.href)
      const mod = syncify(workloadUrl)
      contenders.push({ name: 'syncbridge', version: versionOf('../package.json'), get: (name) => mod[name] })
    } catch (error) {
      notes.push(`syncbridge skipped: failed to load (${error.message})`)
    }
  }

  const { createSyncFn } = await import('synckit')
  const syncFn = createSyncFn(fileURLToPath(here('fixtures/synckit-worker.mjs')))
  contenders.push({
    name: 'synckit',
    version: versionOf('node_modules/synckit/package.json'),
    get: (name) => (x) => syncFn(name, x), // one worker, dispatched by name (see synckit-worker.mjs)
  })

  const { makeSynchronized } = await import('make-synchronized')
  const synchronized = makeSynchronized(workloadUrl)
  contenders.push({
    name: 'make-synchronized',
    version: versionOf('node_modules/make-synchronized/package.json'),
    get: (name) => synchronized[name],
  })
  return contenders
}

const now = process.hrtime.bigint

// Time each call separately, at least `minCalls` of them and until `spanNs`
// has passed (or the call cap is hit). Two copies so the synchronous
// contenders are not slowed (or flattered) by an await they never pay.
function timeSync(call, samples, minCalls, spanNs) {
  const start = now()
  for (let i = 1; ; i++) {
    const t0 = now()
    call()
    const t1 = now()
    samples.push(Number(t1 - t0))
    if ((i >= minCalls && t1 - start >= spanNs) || i >= MAX_CALLS_PER_ROUND) return
  }
}

async function timeAsync(call, samples, minCalls, spanNs) {
  const start = now()
  for (let i = 1; ; i++) {
    const t0 = now()
    await call()
    const t1 = now()
    samples.push(Number(t1 - t0))
    if ((i >= minCalls && t1 - start >= spanNs) || i >= MAX_CALLS_PER_ROUND) return
  }
}

const time = (c, ...rest) => (c.isAsync ? timeAsync : timeSync)(c.call, ...rest)

const firstLine = (error) => String(error?.message ?? error).split('\n')[0]
const brief = (value) => {
  const s = value instanceof Uint8Array ? `${value.constructor.name}(${value.length})` : JSON.stringify(value)
  return s === undefined ? String(value) : s.slice(0, 80)
}

async function benchWorkload(w, contenders) {
  const runs = contenders.map((c) => ({ c, contender: c.name, isAsync: c.isAsync, samples: [] }))

  // Check each result once before timing: a contender that returns the wrong
  // thing is reported as broken instead of getting a (meaningless) number.
  for (const r of runs) {
    try {
      const fn = r.c.get(w.fn)
      r.call = 'arg' in w ? () => fn(w.arg) : () => fn()
      const got = r.isAsync ? await r.call() : r.call()
      if (!isDeepStrictEqual(got, w.arg)) throw new Error(`wrong result: got ${brief(got)}`)
      await time(r, [], w.warmup, 0n) // warm-up (JIT, worker start, lazy init): samples discarded
    } catch (error) {
      r.error = firstLine(error)
    }
  }

  const spanNs = BigInt(Math.round((budgetMs * 1e6) / ROUNDS))
  const minPerRound = Math.ceil(w.minCalls / ROUNDS)
  for (let round = 0; round < ROUNDS; round++) {
    // Rotate who goes first so nobody always runs right after the same neighbour
    // (e.g. the one whose garbage the GC is about to collect).
    for (let k = 0; k < runs.length; k++) {
      const r = runs[(round + k) % runs.length]
      if (r.error) continue
      try {
        await time(r, r.samples, minPerRound, spanNs)
      } catch (error) {
        r.error = firstLine(error) // its samples so far are dropped with it
      }
    }
  }

  const stats = new Map(runs.filter((r) => !r.error).map((r) => [r.contender, summarize(r.samples)]))
  const reference = stats.get('syncbridge')?.median
  return runs.map((r) => {
    if (r.error) return { workload: w.name, contender: r.contender, error: r.error }
    const s = stats.get(r.contender)
    const xVsSyncbridge = reference ? Number((s.median / reference).toPrecision(4)) : null
    return { workload: w.name, contender: r.contender, ...s, xVsSyncbridge }
  })
}

function machineInfo() {
  const cpus = os.cpus()
  return {
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    cpu: cpus[0]?.model ?? 'unknown',
    cpuCount: cpus.length,
    loadavg: os.loadavg().map((l) => Number(l.toFixed(2))),
    date: new Date().toISOString(),
  }
}

function printTable({ machine, contenders, results }) {
  const num = (v) => (v >= 1000 ? v.toFixed(0) : v >= 100 ? v.toFixed(1) : v.toFixed(2))
  const ratio = (x) => (x < 0.1 ? x.toPrecision(2) : x.toFixed(2)) // the in-process floor is ~0.001x
  const head = ['workload', 'contender', 'calls', 'median', 'p10', 'p90', 'p99', 'x vs syncbridge']
  const rows = results.map((r) =>
    r.error
      ? [r.workload, r.contender, `BROKEN: ${r.error}`]
      : [r.workload, r.contender, String(r.n), ...[r.median, r.p10, r.p90, r.p99].map(num),
         r.xVsSyncbridge === null ? '-' : `${ratio(r.xVsSyncbridge)}x`],
  )
  // A BROKEN row's message spans the numeric columns, so it does not size them.
  const widths = head.map((h, i) =>
    Math.max(h.length, ...rows.map((r) => (i < 2 || r.length > 3 ? r[i].length : 0))),
  )
  const line = (cells) =>
    cells.map((c, i) => (i < 2 || cells.length === 3 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd()

  console.log(`node ${machine.node} | ${machine.platform} | ${machine.cpu} x ${machine.cpuCount} | load ${machine.loadavg.join(' ')} | ${machine.date}`)
  console.log(contenders.filter((c) => c.version).map((c) => `${c.name} ${c.version}`).join(', '))
  console.log(`per-call latency in microseconds, ~${budgetMs} ms per contender per workload over ${ROUNDS} interleaved rounds\n`)
  console.log(line(head))
  let previous
  for (const [i, row] of rows.entries()) {
    if (previous !== undefined && results[i].workload !== previous) console.log('')
    previous = results[i].workload
    console.log(line(row))
  }
  for (const note of notes) console.log(`\nnote: ${note}`)
}

ensureAnchors()
const contenders = await loadContenders()
const machine = machineInfo()
const results = []
for (const w of WORKLOADS) {
  log(`bench: ${w.name} ...`)
  results.push(...(await benchWorkload(w, contenders)))
}

if (asJson) {
  const versions = Object.fromEntries(contenders.filter((c) => c.version).map((c) => [c.name, c.version]))
  const config = { budgetMs, rounds: ROUNDS, unit: 'microseconds' }
  process.stdout.write(`${JSON.stringify({ machine, versions, config, notes, results }, null, 2)}\n`)
} else {
  printTable({ machine, contenders, results })
}
// The contenders' worker threads may keep the event loop alive; the numbers
// are out (stdout to a file or pipe is synchronous in Node), so leave now.
process.exit(0)
