/**
 * v8 deserialization with every typed array, DataView and Buffer in an ArrayBuffer of its own.
 *
 * Node's (and Deno's) v8.deserialize returns each of them as a view into the bytes it reads: a 3-byte
 * Uint8Array answered by the worker came back with `byteOffset` 23 over an 8 KiB `buffer` holding the rest of
 * the message (or Node's shared Buffer pool), and two arrays of one answer shared that buffer. Code that
 * reads `.buffer` (`new Float64Array(x.buffer)`, `Buffer.from(x.buffer)`, WebAssembly, a decoder) then
 * read other bytes. The structured clone gives each its own buffer, and so do the payload areas
 * (protocol.ts): so must this path. Bun's node:v8 already does (and has no _readHostObject to override).
 */
import v8 from 'node:v8';
import { freshBuffer, type SpareBuffer } from './spare-buffer.js';

type HostReader = { _readHostObject(): unknown };
const overridable = typeof (v8.DefaultDeserializer?.prototype as Partial<HostReader> | undefined)?._readHostObject === 'function';

/** The same bytes in a buffer of their own, as the same class; the view itself if it already owns its buffer. */
function owning(view: ArrayBufferView, spare: SpareBuffer | undefined): ArrayBufferView {
  if (view.byteOffset === 0 && view.buffer.byteLength === view.byteLength) return view;
  const own = spare ? spare.take(view.byteLength) : freshBuffer(view.byteLength);
  own.set(new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
  if (Buffer.isBuffer(view)) return own;
  const Class = view.constructor as new (buffer: ArrayBuffer) => ArrayBufferView;
  return new Class(own.buffer as ArrayBuffer);
}

class OwningDeserializer extends v8.DefaultDeserializer {
  largest = 0;
  constructor(
    bytes: Uint8Array,
    readonly spare: SpareBuffer | undefined,
  ) {
    super(bytes);
  }

  _readHostObject(): unknown {
    const value = (v8.DefaultDeserializer.prototype as unknown as HostReader)._readHostObject.call(this);
    if (!ArrayBuffer.isView(value)) return value;
    if (value.byteLength > this.largest) this.largest = value.byteLength;
    return owning(value, this.spare);
  }
}

/**
 * `bytes` may be shared memory that the next message overwrites: nothing returned refers to it (V8 copies
 * strings and ArrayBuffers, views get buffers of their own). `spare`: where a big view's copy may come from
 * (a buffer made ready while this side waited; spare-buffer.ts).
 */
export function deserialize(bytes: Uint8Array, spare?: SpareBuffer): unknown {
  // Without the hook, views may point into the bytes read: copy shared memory out first.
  if (!overridable) return v8.deserialize(bytes.buffer instanceof SharedArrayBuffer ? Buffer.from(bytes) : bytes);
  const reader = new OwningDeserializer(bytes, spare);
  reader.readHeader();
  const value = reader.readValue();
  spare?.noteReceived(reader.largest);
  return value;
}
