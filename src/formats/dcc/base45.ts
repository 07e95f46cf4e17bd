// Strict Base45 (RFC 9285). The npm `base45` package accepts `GGW` (65536), `:::` and a lone
// trailing character (formats.md item 2), so decoding is done here and every rule of §4.2 is
// enforced: alphabet, length mod 3 ≠ 1, triple ≤ 65535, trailing pair ≤ 255.
import { VerificationError } from '../../errors.js';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:';
const VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) VALUE[ALPHABET.charCodeAt(i)] = i;

function valueAt(text: string, i: number): number {
  const c = text.charCodeAt(i);
  const v = c < 128 ? VALUE[c]! : -1;
  if (v < 0) throw new VerificationError('BASE45_INVALID', `character outside the Base45 alphabet at ${i}`);
  return v;
}

export function decodeBase45(text: string): Uint8Array {
  if (text.length % 3 === 1) throw new VerificationError('BASE45_INVALID', 'length leaves a lone character');
  const out = new Uint8Array(Math.floor(text.length / 3) * 2 + (text.length % 3 === 2 ? 1 : 0));
  let o = 0;
  for (let i = 0; i < text.length; i += 3) {
    if (i + 2 < text.length) {
      const n = valueAt(text, i) + valueAt(text, i + 1) * 45 + valueAt(text, i + 2) * 2025;
      if (n > 0xffff) throw new VerificationError('BASE45_INVALID', `triple at ${i} exceeds 65535`);
      out[o++] = n >> 8;
      out[o++] = n & 0xff;
    } else {
      const n = valueAt(text, i) + valueAt(text, i + 1) * 45;
      if (n > 0xff) throw new VerificationError('BASE45_INVALID', `pair at ${i} exceeds 255`);
      out[o++] = n;
    }
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
