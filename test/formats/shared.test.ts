// nfc() skips String.prototype.normalize for Latin-1 text on the claim that NFC leaves such text
// unchanged. The reference is ICU's NFC as Node ships it: every Latin-1 character, every pair of
// them (a composition would have to start from a pair), random Latin-1 strings, and strings
// mixing in combining marks, decomposed letters and singletons (U+212B ANGSTROM SIGN → Å).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nfc } from '../../src/formats/shared.js';

describe('nfc', () => {
  it('every Latin-1 character and every pair of them is unchanged by NFC', () => {
    for (let a = 0; a < 0x100; a++) {
      const one = String.fromCharCode(a);
      expect(one.normalize('NFC')).toBe(one);
      for (let b = 0; b < 0x100; b++) {
        const two = one + String.fromCharCode(b);
        expect(two.normalize('NFC')).toBe(two);
      }
    }
  });

  it('equals normalize("NFC") on Latin-1 strings and on strings with other characters', () => {
    const latin1 = fc.string({ unit: fc.integer({ min: 0, max: 0xff }).map((c) => String.fromCharCode(c)), maxLength: 40 });
    const mixed = fc.string({
      unit: fc.oneof(
        fc.integer({ min: 0, max: 0xff }).map((c) => String.fromCharCode(c)),
        fc.constantFrom('\u0301', '\u0308', '\u0327', '\u212b', '\u1e9b', 'e\u0301', 'A\u030a', '\u0344', '\u1100\u1161', '\ud800'),
        fc.string({ unit: 'binary', maxLength: 2 }),
      ),
      maxLength: 40,
    });
    fc.assert(
      fc.property(fc.oneof(latin1, mixed), (s) => {
        expect(nfc(s)).toBe(s.normalize('NFC'));
      }),
      { numRuns: 5_000 },
    );
    expect(nfc('Mu\u0308ller')).toBe('Müller');
    expect(nfc('\u212b')).toBe('Å');
  });
});
