// The CommonJS view of the same types, resolved through the "require" condition of the exports map.
import syncbridge = require('syncbridge');

const add: number = syncbridge.runSync(async (a: number, b: number) => a + b, 1, 2);
const m = syncbridge.syncify<{ hello(name: string): Promise<string> }>('/abs/module.js');
const greeting: string = m.hello('you');
void add;
void greeting;
