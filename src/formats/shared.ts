// Small pieces the JSON-based formats (ICAO VDS-NC, DIVOC, SMART Health Cards) share.
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
