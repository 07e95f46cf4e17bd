import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decode as base45PackageDecode } from 'base45';
import { VerificationError } from '../../../src/errors.js';
import { decodeBase45, encodeBase45 } from '../../../src/formats/dcc/base45.js';
import { inflateZlib, MAX_INFLATED_BYTES } from '../../../src/formats/dcc/inflate.js';
import { decodeCbor, scanCbor, toJson } from '../../../src/formats/cbor.js';
import { parseCoseSign1 } from '../../../src/formats/dcc/cose.js';
import { readCwtClaims } from '../../../src/formats/dcc/cwt.js';
import { cbor } from '../../../scripts/demo/sign-hc1.js';
import { stripPrefix } from '../../../src/formats/dcc/prefix.js';

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof VerificationError) return err.code;
    throw err;
  }
  return 'OK';
}

describe('prefix', () => {
  it.each(['HC2:NCF', 'HL0:NCF', 'NCFOXN', 'hc1:NCF', ''])('refuses %j as UNSUPPORTED_FORMAT', (text) => {
    expect(codeOf(() => stripPrefix(text))).toBe('UNSUPPORTED_FORMAT');
  });
  it('strips HC1:', () => expect(stripPrefix('HC1:ABC')).toBe('ABC'));
});

describe('base45 (RFC 9285)', () => {
  it('decodes the RFC examples', () => {
    expect(Buffer.from(decodeBase45('BB8')).toString()).toBe('AB');
    expect(Buffer.from(decodeBase45('%69 VD92EX0')).toString()).toBe('Hello!!');
    expect(Buffer.from(decodeBase45('UJCLQE7W581')).toString()).toBe('base-45');
    expect(Buffer.from(decodeBase45('QED8WEX0')).toString()).toBe('ietf!');
  });
  it.each([
    ['GGW', 'triple over 65535'],
    [':::', 'triple over 65535'],
    ['BB8A', 'lone trailing character'],
    ['bb8', 'lower case is outside the alphabet'],
    ['AB_', 'underscore'],
    ['ÄBC', 'non-ASCII'],
    ['B\u0141\u0138', 'characters whose low byte is in the alphabet (U+0141 → 0x41 "A", U+0138 → 0x38 "8")'],
    ['BB\ud800', 'a lone surrogate'],
    ['\u0130BB', 'U+0130, whose low byte is "0", first'],
    ['::', 'pair over 255'],
  ])('refuses %j (%s) with BASE45_INVALID', (text) => {
    expect(codeOf(() => decodeBase45(text))).toBe('BASE45_INVALID');
  });
  it('decodes a text longer than its reused buffer, and refuses one with a non-ASCII character at its end', () => {
    const bytes = new Uint8Array(12_000).map((_, i) => (i * 31) & 0xff);
    const text = encodeBase45(bytes);
    expect(text.length).toBeGreaterThan(8 * 1024);
    expect(Buffer.from(decodeBase45(text))).toEqual(Buffer.from(bytes));
    expect(codeOf(() => decodeBase45(`${text.slice(0, -3)}BB\u0141`))).toBe('BASE45_INVALID');
    // and the reused buffer holds nothing over from the long text
    expect(Buffer.from(decodeBase45('BB8')).toString()).toBe('AB');
  });
  it('is stricter than the npm base45 package, which accepts GGW', () => {
    expect(() => base45PackageDecode('GGW')).not.toThrow();
    expect(codeOf(() => decodeBase45('GGW'))).toBe('BASE45_INVALID');
  });
  it('round-trips random bytes and agrees with the npm package on valid input', () => {
    for (let n = 0; n < 200; n++) {
      const bytes = new Uint8Array(n).map((_, i) => (i * 7919 + n * 31) & 0xff);
      const text = encodeBase45(bytes);
      expect(Buffer.from(decodeBase45(text))).toEqual(Buffer.from(bytes));
      expect(Buffer.from(base45PackageDecode(text))).toEqual(Buffer.from(bytes));
    }
  });
});

describe('zlib with a cap', () => {
  it('inflates a normal stream', () => {
    expect(Buffer.from(inflateZlib(deflateSync(Buffer.from('hello')))).toString()).toBe('hello');
  });
  it('answers PAYLOAD_TOO_LARGE for a 1 KB input that inflates past the cap, quickly', () => {
    const bomb = deflateSync(Buffer.alloc(50 * 1024 * 1024), { level: 9 });
    expect(bomb.length).toBeLessThan(60 * 1024);
    const started = performance.now();
    expect(codeOf(() => inflateZlib(bomb))).toBe('PAYLOAD_TOO_LARGE');
    expect(performance.now() - started).toBeLessThan(500);
    const small = deflateSync(Buffer.alloc(MAX_INFLATED_BYTES + 1));
    expect(small.length).toBeLessThan(1024);
    expect(codeOf(() => inflateZlib(small))).toBe('PAYLOAD_TOO_LARGE');
  });
  it('refuses truncated, corrupted, trailing-garbage and non-zlib data with DECOMPRESSION_FAILED', () => {
    const good = deflateSync(Buffer.from('hello world, hello world'));
    expect(codeOf(() => inflateZlib(good.subarray(0, good.length - 3)))).toBe('DECOMPRESSION_FAILED');
    expect(codeOf(() => inflateZlib(Buffer.concat([good, Buffer.from([0, 1, 2])])))).toBe('DECOMPRESSION_FAILED');
    const corrupt = Buffer.from(good);
    corrupt[5] = corrupt[5]! ^ 0xff;
    expect(codeOf(() => inflateZlib(corrupt))).toBe('DECOMPRESSION_FAILED');
    expect(codeOf(() => inflateZlib(Buffer.from('d28443a10126', 'hex')))).toBe('DECOMPRESSION_FAILED');
  });
});

describe('bounded CBOR', () => {
  it('refuses 10,000 nested arrays with PAYLOAD_TOO_LARGE without recursion', () => {
    const deep = Buffer.concat([Buffer.alloc(10_000, 0x81), Buffer.from([0x00])]);
    expect(codeOf(() => decodeCbor(deep))).toBe('PAYLOAD_TOO_LARGE');
    const deepIndefinite = Buffer.concat([Buffer.alloc(10_000, 0x9f)]);
    expect(codeOf(() => decodeCbor(deepIndefinite))).toBe('PAYLOAD_TOO_LARGE');
  });
  it('refuses an array claiming 2^32 items, duplicate keys, truncation and trailing bytes', () => {
    expect(codeOf(() => decodeCbor(Buffer.from('9affffffff00', 'hex')))).toBe('PAYLOAD_TOO_LARGE');
    expect(codeOf(() => decodeCbor(Buffer.from('a2616101616102', 'hex')))).toBe('CBOR_INVALID');
    expect(codeOf(() => decodeCbor(Buffer.from('a2616101', 'hex')))).toBe('CBOR_INVALID');
    expect(codeOf(() => decodeCbor(Buffer.from('0102', 'hex')))).toBe('CBOR_INVALID');
    expect(codeOf(() => decodeCbor(Buffer.from('5bffffffffffffffff', 'hex')))).toBe('CBOR_INVALID');
    expect(codeOf(() => decodeCbor(Buffer.from('62c328', 'hex')))).toBe('CBOR_INVALID');
  });
  it('accepts indefinite-length maps as real certificates use them', () => {
    expect(decodeCbor(Buffer.from('bf6161010203ff', 'hex'))).toEqual(new Map<unknown, unknown>([['a', 1], [2, 3]]));
    expect(codeOf(() => decodeCbor(Buffer.from('bf61610102ff', 'hex')))).toBe('CBOR_INVALID');
    expect(scanCbor(Buffer.from('bf616101ff', 'hex'))).toBe(5);
  });
  it('never lets __proto__ become a prototype when converting to JSON', () => {
    const json = toJson(decodeCbor(cbor(new Map([['__proto__', new Map([['polluted', true]])]])))) as Record<string, unknown>;
    expect(Object.getPrototypeOf(json)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.keys(json)).toEqual(['__proto__']);
  });
  it('turns tag 1004 full-dates into plain strings', () => {
    expect(toJson(decodeCbor(Buffer.from('d903ec6a323032312d30352d3031', 'hex')))).toBe('2021-05-01');
  });
});

describe('COSE_Sign1 and CWT', () => {
  const prot = cbor(new Map<number, unknown>([[1, -7], [4, Buffer.from('0102030405060708', 'hex')]]));
  const sign1 = (p: Uint8Array, u: Map<number, unknown>) => [Buffer.from(p), u, Buffer.from(cbor(new Map([[6, 1]]))), Buffer.alloc(64)];
  it('refuses a tag other than 18/61 and a wrong array shape with CBOR_INVALID', () => {
    expect(codeOf(() => parseCoseSign1(Buffer.from('d9 0062 84 40 a0 40 40'.replace(/ /g, ''), 'hex')))).toBe('CBOR_INVALID');
    expect(codeOf(() => parseCoseSign1(cbor([1, 2, 3])))).toBe('CBOR_INVALID');
  });
  it('reads the algorithm from the unprotected header only when the protected has none', () => {
    const noAlg = cbor(new Map([[4, Buffer.alloc(8)]]));
    const parsed = parseCoseSign1(cbor(sign1(noAlg, new Map([[1, -37]]))));
    expect(parsed.alg).toBe('PS256');
    expect(parsed.warnings.map((w) => w.code)).toContain('ALG_UNPROTECTED');
    const both = parseCoseSign1(cbor(sign1(prot, new Map([[1, -37]]))));
    expect(both.alg).toBe('ES256');
  });
  it('refuses a missing or disallowed algorithm with ALGORITHM_UNSUPPORTED', () => {
    expect(codeOf(() => parseCoseSign1(cbor(sign1(cbor(new Map([[4, Buffer.alloc(8)]])), new Map()))))).toBe('ALGORITHM_UNSUPPORTED');
    expect(codeOf(() => parseCoseSign1(cbor(sign1(cbor(new Map<number, unknown>([[1, -8], [4, Buffer.alloc(8)]])), new Map()))))).toBe('ALGORITHM_UNSUPPORTED');
  });
  it('prefers the protected kid over the unprotected one', () => {
    const parsed = parseCoseSign1(cbor(sign1(prot, new Map([[4, Buffer.from('ffffffffffffffff', 'hex')]]))));
    expect(Buffer.from(parsed.kid).toString('hex')).toBe('0102030405060708');
  });
  it('requires iat and numeric dates; NaN never passes', () => {
    expect(codeOf(() => readCwtClaims(new Map([[4, 1]])))).toBe('CWT_INVALID');
    expect(codeOf(() => readCwtClaims(new Map([[6, Number.NaN]])))).toBe('CWT_INVALID');
    expect(codeOf(() => readCwtClaims(new Map([[6, 'yesterday']])))).toBe('CWT_INVALID');
    expect(codeOf(() => readCwtClaims(new Map<number, unknown>([[6, 1], [4, Number.POSITIVE_INFINITY]])))).toBe('CWT_INVALID');
    expect(readCwtClaims(new Map([[6, 1620064800.5]])).issuedAt.toISOString()).toBe('2021-05-03T18:00:00.500Z');
  });
});

describe('Sig_structure', () => {
  it('equals the generic CBOR encoding of ["Signature1", protected, h\'\', payload] for every length class', async () => {
    const { Encoder } = await import('cbor-x');
    const generic = new Encoder({ useRecords: false, tagUint8Array: false } as never);
    const { sigStructure } = await import('../../../src/formats/dcc/cose.js');
    for (const [p, n] of [[0, 0], [13, 23], [24, 255], [256, 65_535], [3, 65_536]] as const) {
      const prot = Buffer.alloc(p, 1);
      const payload = Buffer.alloc(n, 2);
      expect(Buffer.from(sigStructure(prot, payload))).toEqual(Buffer.from(generic.encode(['Signature1', prot, Buffer.alloc(0), payload])));
    }
  });
});
