// Strict Base45 (RFC 9285). The npm `base45` package accepts `GGW` (65536), `:::` and a lone
// trailing character (formats.md item 2), so decoding is done here and every rule of §4.2 is
// enforced: alphabet, length mod 3 ≠ 1, triple ≤ 65535, trailing pair ≤ 255.
import { VerificationError } from '../../errors.js';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:';
/** Character code (< 128) → value; 255 outside the alphabet. */
const VALUE = new Uint8Array(128).fill(255);
for (let i = 0; i < ALPHABET.length; i++) VALUE[ALPHABET.charCodeAt(i)] = i;

function badCharacter(text: string, from: number): never {
  let i = from;
  while (i < text.length && text.charCodeAt(i) < 128 && VALUE[text.charCodeAt(i)] !== 255) i++;
  throw new VerificationError('BASE45_INVALID', `character outside the Base45 alphabet at ${i}`);
}

/** Value of the character at `i`, or 255 when it is outside the alphabet. */
function v(text: string, i: number): number {
  const c = text.charCodeAt(i);
  return c < 128 ? VALUE[c]! : 255;
}

export function decodeBase45(text: string): Uint8Array {
  const len = text.length;
  if (len % 3 === 1) throw new VerificationError('BASE45_INVALID', 'length leaves a lone character');
  const out = new Uint8Array(Math.floor(len / 3) * 2 + (len % 3 === 2 ? 1 : 0));
  let o = 0;
  let i = 0;
  // One table lookup per character and one range check per group; the error path re-reads the
  // group to name the first bad character (hot loop: no calls, no exceptions).
  for (; i + 2 < len; i += 3) {
    const a = v(text, i);
    const b = v(text, i + 1);
    const c = v(text, i + 2);
    if (a === 255 || b === 255 || c === 255) badCharacter(text, i);
    const n = a + b * 45 + c * 2025;
    if (n > 0xffff) throw new VerificationError('BASE45_INVALID', `triple at ${i} exceeds 65535`);
    out[o++] = n >> 8;
    out[o++] = n & 0xff;
  }
  if (i < len) {
    const a = v(text, i);
    const b = v(text, i + 1);
    if (a === 255 || b === 255) badCharacter(text, i);
    const n = a + b * 45;
    if (n > 0xff) throw new VerificationError('BASE45_INVALID', `pair at ${i} exceeds 255`);
    out[o++] = n;
  }
  return out;
}

export function encodeBase45(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 2) {
    if (i + 1 < bytes.length) {
      let n = bytes[i]! * 256 + bytes[i + 1]!;
      const c = n % 45;
      n = (n - c) / 45;
      const d = n % 45;
      const e = (n - d) / 45;
      s += ALPHABET[c]! + ALPHABET[d]! + ALPHABET[e]!;
    } else {
      const n = bytes[i]!;
      s += ALPHABET[n % 45]! + ALPHABET[Math.floor(n / 45)]!;
    }
  }
  return s;
}
