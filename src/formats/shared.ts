// Small pieces the formats share (most of them the JSON-based ones: ICAO VDS-NC, DIVOC, SMART
// Health Cards).
import type { Holder } from '../model.js';

/**
 * Nesting depth of a parsed JSON value, counted iteratively so a hostile document cannot exhaust
 * the stack before it is refused; counting stops as soon as `limit` is exceeded.
 */
export function jsonDepth(value: unknown, limit: number): number {
  let max = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [v, d] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (d > max) max = d;
    if (max > limit) return max;
    for (const child of Object.values(v)) stack.push([child, d + 1]);
  }
  return max;
}

/**
 * `text.normalize('NFC')`, without the call when every character is Latin-1: no character below
 * U+0100 is changed by NFC (none has a singleton decomposition, and composition needs a combining
 * mark, U+0300 and up), so such a text is already NFC. The call took about 160 ns a string and an
 * EU DCC has fifteen (issue 12 item 1); test/formats/shared.test.ts holds the two equal.
 */
export function nfc(text: string): string {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0xff) return text.normalize('NFC');
  return text;
}

/** ICAO 9303 transliteration shape (as EU `fnt`): diacritics dropped, A–Z and `<` only. */
export function icaoStandardName(name: string): string {
  return name
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toUpperCase()
    .trim()
    .replace(/[\s-]+/g, '<')
    .replace(/[^A-Z<]/g, '');
}

/** A holder's names as printed, each with its ICAO spelling for holder comparison. */
export function namedHolder(family: string | undefined, given: string | undefined): Holder {
  const holder: Holder = {};
  if (family) {
    holder.familyName = family;
    holder.familyNameStd = icaoStandardName(family);
  }
  if (given) {
    holder.givenName = given;
    holder.givenNameStd = icaoStandardName(given);
  }
  return holder;
}
