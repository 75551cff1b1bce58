// The "cores are busy" condition: a busy loop in its own process on every core.
import { spawn } from 'node:child_process';
import os from 'node:os';

/** Starts `node -e 'for(;;){}'` on every core; returns a function that stops them. */
export function startHogs() {
  const hogs = Array.from({ length: os.cpus().length }, () => spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' }));
  return () => {
    for (const h of hogs) h.kill('SIGKILL');
  };
}
