// The table of formats, in detection order. Each adapter recognises its own prefix or shape;
// the first that claims a text decodes it.
import type { FormatAdapter } from './format.js';
import { dccAdapter } from './dcc/index.js';
import { divocAdapter } from './divoc/index.js';
import { icaoAdapter } from './icao/index.js';
import { shcAdapter } from './shc/index.js';

export const ADAPTERS: readonly FormatAdapter[] = [dccAdapter, shcAdapter, divocAdapter, icaoAdapter];
