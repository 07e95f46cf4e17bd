// The one-pass CBOR decoder (src/formats/cbor.ts) against encodings made by cbor-x (an
// independent encoder, the one the issuing side of this repo does not hand-write) and against
// hand-written byte strings where cbor-x cannot produce the defect (non-canonical spellings).
import { Encoder, Tag } from 'cbor-x';
import { describe, expect, it } from 'vitest';
import { VerificationError } from '../../src/errors.js';
import { decodeCbor, toJson } from '../../src/formats/cbor.js';

const codeOf = (f: () => unknown): string | undefined => {
  try {
    f();
    return undefined;
  } catch (e) {
    if (e instanceof VerificationError) return e.code;
    throw e;
  }
};
const hex = (h: string) => Buffer.from(h.replace(/\s/g, ''), 'hex');
const encoder = new Encoder({ mapsAsObjects: false, useRecords: false, tagUint8Array: false });

describe('decodeCbor (one pass)', () => {
  it('regression: a duplicate map key spelled non-canonically (01 and 18 01) is CBOR_INVALID, not the last value', () => {
    // cbor-x decoded this as Map {1 => 10}: the former byte-wise duplicate check missed it.
    expect(codeOf(() => decodeCbor(hex('a2 01 01 18 01 0a')))).toBe('CBOR_INVALID');
    expect(codeOf(() => decodeCbor(hex('a2 61 61 01 78 01 61 02')))).toBe('CBOR_INVALID');
  });
  it('map keys that are not int / tstr-like (a map, an array, a byte string) are CBOR_INVALID', () => {
    expect(codeOf(() => decodeCbor(hex('a1 a0 a0')))).toBe('CBOR_INVALID');
    expect(codeOf(() => decodeCbor(hex('a1 82 01 02 00')))).toBe('CBOR_INVALID');
    expect(codeOf(() => decodeCbor(hex('a1 41 00 00')))).toBe('CBOR_INVALID');
  });
  it('indefinite-length strings and unassigned simple values are CBOR_INVALID', () => {
    expect(codeOf(() => decodeCbor(hex('5f 42 0102 ff')))).toBe('CBOR_INVALID');
    expect(codeOf(() => decodeCbor(hex('7f 61 61 ff')))).toBe('CBOR_INVALID');
    expect(codeOf(() => decodeCbor(hex('f0')))).toBe('CBOR_INVALID');
    expect(codeOf(() => decodeCbor(hex('f8 20')))).toBe('CBOR_INVALID');
  });
  it('a deep chain of tags is PAYLOAD_TOO_LARGE before the stack grows', () => {
    expect(codeOf(() => decodeCbor(Buffer.concat([Buffer.alloc(5000, 0xc6), hex('00')])))).toBe('PAYLOAD_TOO_LARGE');
  });
  it('reads what cbor-x wrote: integers of every width, floats, text, bytes, nested maps, tags', () => {
    const value = new Map<unknown, unknown>([
      [1, 'XA'],
      [-260, new Map<unknown, unknown>([[1, new Map<unknown, unknown>([['v', [new Map([['dn', 2]])]], ['nam', 'Müller']])]])],
      [4, 1_900_000_000],
      [6, 2 ** 40],
      ['f', 1.5],
      ['b', new Uint8Array([1, 2, 3])],
      ['t', new Tag('2021-05-01', 1004)],
      ['n', -70_000],
      ['z', null],
    ]);
    const decoded = decodeCbor(encoder.encode(value)) as Map<unknown, unknown>;
    expect(decoded.get(1)).toBe('XA');
    expect(decoded.get(4)).toBe(1_900_000_000);
    expect(decoded.get(6)).toBe(2 ** 40);
    expect(decoded.get('f')).toBe(1.5);
    expect([...(decoded.get('b') as Uint8Array)]).toEqual([1, 2, 3]);
    expect(decoded.get('n')).toBe(-70_000);
    expect(decoded.get('z')).toBeNull();
    expect(toJson(decoded.get(-260))).toEqual({ '1': { v: [{ dn: 2 }], nam: 'Müller' } });
    expect(toJson(decoded.get('t'))).toBe('2021-05-01');
  });
  it('every two- and three-letter ASCII text reads as cbor-x wrote it, past the bound of kept short texts too', () => {
    // All 2-letter texts over [0-9A-Za-z] and 6,000 3-letter ones: more than the decoder keeps.
    const letters = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
    const texts: string[] = [];
    for (const x of letters) for (const y of letters) texts.push(x + y);
    for (let i = 0; texts.length < 3_844 + 6_000; i++) texts.push(letters[i % 62]! + letters[Math.floor(i / 62) % 62]! + letters[Math.floor(i / 3_844) % 62]!);
    for (let i = 0; i < texts.length; i += 1_000) {
      const chunk = texts.slice(i, i + 1_000);
      const decoded = decodeCbor(encoder.encode(new Map(chunk.map((t, j) => [t, j] as const))));
      expect([...(decoded as Map<string, number>).entries()]).toEqual(chunk.map((t, j) => [t, j]));
    }
    // A repeated short key is still a duplicate, kept or not.
    expect(codeOf(() => decodeCbor(hex('a2 62 7a 7a 01 62 7a 7a 02')))).toBe('CBOR_INVALID');
  });
  it('half-precision floats and tag-1 dates decode as RFC 8949 says', () => {
    expect(decodeCbor(hex('f9 3c00'))).toBe(1);
    expect(decodeCbor(hex('f9 c400'))).toBe(-4);
    expect(decodeCbor(hex('f9 0001'))).toBe(2 ** -24);
    expect(toJson(decodeCbor(hex('c1 1a 5f000000')))).toBe('2020-07-04T04:05:20.000Z');
    expect(toJson(decodeCbor(hex('c1 61 61')))).toBeNull();
  });
});
