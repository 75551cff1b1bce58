// Builds test/fixtures/addon/legacy.cc, a real non-context-aware (NODE_MODULE) native addon,
// with g++ against the headers that ship beside a Node binary (<bin>/../include/node), no node-gyp
// and no network. One build per Node ABI (process.versions.modules), cached under
// node_modules/.cache/syncbridge-test-addon/<abi>/legacy.node and reused while newer than the source.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('..', import.meta.url));
const source = fileURLToPath(new URL('./fixtures/addon/legacy.cc', import.meta.url));
const cacheRoot = path.join(repo, 'node_modules', '.cache', 'syncbridge-test-addon');

/** The ABI (process.versions.modules) of a Node binary, ours without spawning. */
function abiOf(nodeBinary) {
  if (nodeBinary === process.execPath) return process.versions.modules;
  const result = spawnSync(nodeBinary, ['-p', 'process.versions.modules'], { encoding: 'utf8', timeout: 30_000 });
  const abi = result.stdout?.trim();
  if (result.status !== 0 || !/^\d+$/.test(abi ?? '')) {
    throw new Error(
      `buildLegacyAddon: cannot read process.versions.modules from ${nodeBinary}: ${result.error?.message ?? result.stderr?.trim() ?? 'no output'}`,
    );
  }
  return abi;
}

/** The C++ standard and V8 defines the Node build used, read from the common.gypi / config.gypi beside its headers. */
function compilerFlags(includeDir) {
  const common = fs.readFileSync(path.join(includeDir, 'common.gypi'), 'utf8');
  const std = /'-std=((?:gnu|c)\+\+\d+)'/.exec(common)?.[1] ?? 'gnu++20';
  const flags = [`-std=${std}`];
  let config = '';
  try {
    config = fs.readFileSync(path.join(includeDir, 'config.gypi'), 'utf8');
  } catch {}
  const on = (name) => new RegExp(`["']${name}["']\\s*:\\s*["']?(1|true)`).test(config);
  if (on('v8_enable_pointer_compression')) flags.push('-DV8_COMPRESS_POINTERS');
  if (on('v8_enable_pointer_compression_shared_cage')) flags.push('-DV8_COMPRESS_POINTERS_IN_SHARED_CAGE');
  if (on('v8_enable_31bit_smis_on_64bit_arch')) flags.push('-DV8_31BIT_SMIS_ON_64BIT_ARCH');
  if (on('v8_enable_sandbox')) flags.push('-DV8_ENABLE_SANDBOX');
  return flags;
}

/**
 * Compiles the legacy addon for `nodeBinary` (default: the running Node) and returns the .node path.
 * `includeDir` overrides <dir of nodeBinary>/../include/node (Bun and Deno ship no headers: pass the
 * Node binary whose ABI they report, 147 for both today). Throws naming what is missing.
 */
export function buildLegacyAddon(nodeBinary = process.execPath, { includeDir } = {}) {
  const abi = abiOf(nodeBinary);
  const out = path.join(cacheRoot, abi, 'legacy.node');
  if (fs.existsSync(out) && fs.statSync(out).mtimeMs >= fs.statSync(source).mtimeMs) return out;

  const headers = includeDir ?? path.join(path.dirname(fs.realpathSync(nodeBinary)), '..', 'include', 'node');
  if (!fs.existsSync(path.join(headers, 'node.h'))) {
    throw new Error(
      `buildLegacyAddon: no Node headers for ${nodeBinary} (ABI ${abi}): ${path.join(headers, 'node.h')} does not exist (pass { includeDir }, or a Node binary with ABI ${abi} and headers beside it)`,
    );
  }
  const cxx = process.env.CXX || 'g++';
  const probe = spawnSync(cxx, ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new Error(`buildLegacyAddon: no C++ compiler: \`${cxx} --version\` failed (${probe.error?.code ?? probe.stderr?.trim()}); install g++ or set CXX`);
  }

  fs.mkdirSync(path.dirname(out), { recursive: true });
  // Build to a private name and rename: parallel test files may build the same ABI at once.
  const temp = `${out}.${process.pid}.${Date.now()}.tmp`;
  const args = [
    '-shared',
    '-fPIC',
    '-O1',
    ...compilerFlags(headers),
    '-DNODE_GYP_MODULE_NAME=legacy',
    '-DBUILDING_NODE_EXTENSION',
    '-I',
    headers,
    source,
    '-o',
    temp,
  ];
  const result = spawnSync(cxx, args, { encoding: 'utf8', timeout: 120_000 });
  if (result.status !== 0) {
    fs.rmSync(temp, { force: true });
    throw new Error(`buildLegacyAddon: ${cxx} ${args.join(' ')} failed (${result.error?.message ?? `status ${result.status}`}):\n${result.stderr}`);
  }
  fs.renameSync(temp, out);
  return out;
}
