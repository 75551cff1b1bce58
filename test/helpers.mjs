import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SyncBridgeError } from 'syncbridge';

export const fixture = (name) => new URL(`./fixtures/${name}`, import.meta.url);

/** Runs an ES module script in a fresh Node process (`env`: variables added to ours) and returns its exit status and output. */
export function runScript(source, { cwd, extension = '.mjs', args = [], timeout = 30_000, env } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'syncbridge-test-'));
  const file = path.join(dir, `script${extension}`);
  fs.writeFileSync(file, source);
  const result = spawnSync(process.execPath, [...args, file], { cwd: cwd ?? process.cwd(), env: { ...process.env, ...env }, encoding: 'utf8', timeout });
  fs.rmSync(dir, { recursive: true, force: true });
  return result;
}

/** assert.throws for a SyncBridgeError with this code whose message matches every pattern. */
export function assertBridgeError(fn, code, ...patterns) {
  let caught;
  assert.throws(fn, (error) => {
    caught = error;
    return true;
  });
  assert.ok(caught instanceof SyncBridgeError, `expected a SyncBridgeError, got ${caught?.stack ?? caught}`);
  assert.equal(caught.code, code, caught.message);
  for (const pattern of patterns) assert.match(caught.message, pattern);
  return caught;
}
