// The table of formats, in detection order. Each adapter recognises its own prefix or shape;
// the first that claims a text decodes it. Adding a format: one folder with the five stage
// functions (src/formats/format.ts) and one row here.
import type { AnyAdapter } from './format.js';
import { dccAdapter } from './dcc/index.js';
import { createDivocAdapter, type DivocAdapterOptions } from './divoc/index.js';
import { icaoAdapter } from './icao/index.js';
import { shcAdapter } from './shc/index.js';

export interface AdapterOptions {
  divoc?: DivocAdapterOptions;
}

/** The adapters in detection order, configured (the DIVOC canonicalisation may run off-thread). */
export function createAdapters(opts: AdapterOptions = {}): readonly AnyAdapter[] {
  return [dccAdapter, shcAdapter, createDivocAdapter(opts.divoc), icaoAdapter];
}

export const ADAPTERS: readonly AnyAdapter[] = createAdapters();
