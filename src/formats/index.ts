// The table of formats, in detection order. Each adapter recognises its own prefix or shape.
import type { FormatAdapter } from './format.js';
import { dccAdapter } from './dcc/index.js';

export const ADAPTERS: readonly FormatAdapter[] = [dccAdapter];
