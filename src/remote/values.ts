/**
 * Values with markers (markers.ts): the sender copies a value with its by-reference parts replaced, the
 * receiver puts live things back in their places. Both run only for messages that carry markers; plain
 * data takes none of this.
 */
import { isMarker, type Marker } from './markers.js';

function isPlainContainer(value: object): boolean {
  const proto = Object.getPrototypeOf(value) as object | null;
  return proto === null || proto === Object.prototype || (Object.getPrototypeOf(proto) === null && proto.constructor?.name === 'Object');
}

/**
 * A copy of `value` with each object in `replaced` swapped for its marker. Containers (plain objects,
 * arrays, Maps, Sets) are copied, keeping shared references and cycles; other values are reused as they
 * are (structured clone copies them anyway).
 */
export function withMarkers(value: unknown, replaced: Map<object, Marker>, copies = new Map<object, unknown>(), hidden?: Map<object, string[]>): unknown {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return value;
  const marker = replaced.get(value);
  if (marker) return marker;
  if (copies.has(value)) return copies.get(value);
  if (Array.isArray(value)) {
    const copy: unknown[] = new Array(value.length);
    copies.set(value, copy);
    for (const key of Object.keys(value)) copy[key as unknown as number] = withMarkers(value[key as unknown as number], replaced, copies, hidden);
    return copy;
  }
  if (value instanceof Map) {
    const copy = new Map();
    copies.set(value, copy);
    for (const [k, v] of value) copy.set(withMarkers(k, replaced, copies, hidden), withMarkers(v, replaced, copies, hidden));
    return copy;
  }
  if (value instanceof Set) {
    const copy = new Set();
    copies.set(value, copy);
    for (const item of value) copy.add(withMarkers(item, replaced, copies, hidden));
    return copy;
  }
  if (typeof value === 'object' && isPlainContainer(value)) {
    const copy: Record<string, unknown> = {};
    copies.set(value, copy);
    for (const key of Object.keys(value)) copy[key] = withMarkers((value as Record<string, unknown>)[key], replaced, copies, hidden);
    // Own data properties that are not enumerable arrive as ordinary ones: kept, not silently dropped.
    for (const key of hidden?.get(value) ?? []) copy[key] = withMarkers((value as Record<string, unknown>)[key], replaced, copies, hidden);
    return copy;
  }
  return value;
}

/**
 * Replaces, in place, every marker in a freshly decoded value with `revive(marker)`; returns the value
 * (or the revived root). Iterative: a deep structure does not overflow the stack.
 */
export function revived(root: unknown, revive: (marker: Marker) => unknown): unknown {
  if (isMarker(root)) return revive(root);
  const pending: unknown[] = [root];
  const seen = new Set<object>();
  const visit = (value: unknown): unknown => {
    if (isMarker(value)) return revive(value);
    if (typeof value === 'object' && value !== null) pending.push(value);
    return value;
  };
  while (pending.length > 0) {
    const value = pending.pop();
    if (typeof value !== 'object' || value === null || seen.has(value)) continue;
    seen.add(value);
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) if (i in value) value[i] = visit(value[i]);
    } else if (value instanceof Map) {
      const entries = [...value].map(([k, v]) => [visit(k), visit(v)] as const);
      value.clear();
      for (const [k, v] of entries) value.set(k, v);
    } else if (value instanceof Set) {
      const items = [...value].map(visit);
      value.clear();
      for (const item of items) value.add(item);
    } else if (isPlainContainer(value)) {
      const record = value as Record<string, unknown>;
      for (const key of Object.keys(record)) record[key] = visit(record[key]);
    }
  }
  return root;
}
