/** Inside the worker: turning the source text sent by runSync back into a function. */
import { ErrorCodes } from '../errors.js';
import { encodeThrown } from '../wire/error-serialization.js';
import type { LibraryFailure } from '../wire/protocol.js';
import { transformArtefactMessage, transformArtefactOf } from '../env/transform-artefacts.js';

/** Names the compiled code in stack traces, and tells its frames apart from ours. */
export const RUN_SOURCE_URL = 'syncbridge:runSync';

const compiled = new Map<string, (...args: unknown[]) => unknown>();

function evaluate(expression: string): unknown {
  // Indirect eval: global scope, so the function sees globals and nothing of ours.
  return (0, eval)(`(${expression})\n//# sourceURL=${RUN_SOURCE_URL}`);
}

export function compileFunction(source: string): (...args: unknown[]) => unknown {
  let fn = compiled.get(source);
  if (fn) return fn;
  let value: unknown;
  try {
    value = evaluate(source);
  } catch {
    // A method written in shorthand (`async load(x) { ... }`) is not an expression on its own.
    const holder = evaluate(`{ ${source} }`) as Record<string, unknown>;
    value = holder[Object.keys(holder)[0]!];
  }
  if (typeof value !== 'function') throw new TypeError('syncbridge: runSync source did not evaluate to a function');
  fn = value as (...args: unknown[]) => unknown;
  if (compiled.size < 500) compiled.set(source, fn);
  return fn;
}

/**
 * A ReferenceError raised by the function's own code means it used a name that only exists in the
 * caller's scope: the function's source crossed, its closure did not.
 */
export function closureFailure(error: unknown, source: string): LibraryFailure | undefined {
  if (!(error instanceof ReferenceError)) return undefined;
  const match = /^(\S+) is not defined$/.exec(error.message);
  const firstFrame = error.stack?.split('\n').find((line) => line.trimStart().startsWith('at '));
  if (!match || !firstFrame?.includes(RUN_SOURCE_URL)) return undefined;
  const name = match[1]!;
  const artefact = transformArtefactOf(name, source);
  if (artefact) return { code: ErrorCodes.CLOSURE, message: transformArtefactMessage(artefact), cause: encodeThrown(error) };
  return {
    code: ErrorCodes.CLOSURE,
    message:
      `The function passed to runSync uses "${name}", which does not exist in the worker: runSync sends only the ` +
      `function's source, not the variables of the scope it was written in. Pass it as an argument ` +
      `(runSync((${name}) => ..., ${name})), or import it inside the function (await import(...)).`,
    cause: encodeThrown(error),
  };
}
