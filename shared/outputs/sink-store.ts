import type { Mutable } from '@zarrita/storage';
import type { OutputSink } from './output-sink.js';

/**
 * A zarrita store whose writes go through an output sink under `prefix` (a folder, the results
 * bucket), and whose reads see what this store wrote (zarrita reads a chunk before changing part
 * of it). For writing one Zarr hierarchy from scratch, not for opening an existing one.
 */
export function sinkStore(sink: OutputSink, prefix: string): Mutable & { readonly written: string[] } {
  const chunks = new Map<string, Uint8Array>();
  const written: string[] = [];
  return {
    written,
    get: (key: string) => Promise.resolve(chunks.get(key)),
    async set(key: string, value: Uint8Array) {
      chunks.set(key, value);
      written.push(await sink.write(`${prefix}${key}`, value));
    },
  };
}
