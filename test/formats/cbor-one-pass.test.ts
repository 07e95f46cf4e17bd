// The one-pass CBOR decoder (src/formats/cbor.ts) against encodings made by cbor-x (an
// independent encoder, the one the issuing side of this repo does not hand-write) and against
// hand-written byte strings where cbor-x cannot produce the defect (non-canonical spellings).
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Decoder, Encoder, Tag } from 'cbor-x';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { VerificationError } from '../../src/errors.js';
import { decodeCbor, DEFAULT_CBOR_LIMITS, Tag as CborTag, toJson } from '../../src/formats/cbor.js';
import { decodeBase45 } from '../../src/formats/dcc/base45.js';
import { parseCoseSign1 } from '../../src/formats/dcc/cose.js';
import { HCERT_DOCUMENT_DEPTH } from '../../src/formats/dcc/cwt.js';
import { inflateZlib } from '../../src/formats/dcc/inflate.js';
import { stripPrefix } from '../../src/formats/dcc/prefix.js';
import { listVectorFiles } from '../conformance/dgc-runner.js';

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

// ---------------------------------------------------------------------------------------------
// JSON mode (decodeCbor's `jsonDepth`, used for a CWT's hcert documents): the same pass builds
// plain objects where the Map mode built Maps that toJson converted afterwards. The references
// are the Map mode with toJson, and cbor-x's own decoding of the real vectors (dgc-testdata:
// payloads made by the national issuers' and the EU's signers; the WHO DVC samples).
// ---------------------------------------------------------------------------------------------
const repoRoot = path.resolve(fileURLToPath(new URL('../..', import.meta.url)));
const vectors = path.resolve(repoRoot, '../shared/vectors');

/** Every COSE payload that Base45, zlib and COSE parsing let through, from the vectors' QR texts. */
function vectorPayloads(): { id: string; payload: Uint8Array }[] {
  const out: { id: string; payload: Uint8Array }[] = [];
  const add = (id: string, qr: string) => {
    try {
      out.push({ id, payload: parseCoseSign1(inflateZlib(decodeBase45(stripPrefix(qr.trim())))).payload });
    } catch (e) {
      if (!(e instanceof VerificationError)) throw e; // a vector broken before its payload on purpose
    }
  };
  const dgc = path.join(vectors, 'dgc-testdata');
  for (const file of listVectorFiles(dgc)) {
    const prefix = (JSON.parse(readFileSync(file, 'utf8')) as { PREFIX?: unknown }).PREFIX;
    if (typeof prefix === 'string' && prefix.startsWith('HC1')) add(path.relative(dgc, file), prefix);
  }
  for (const name of readdirSync(path.join(vectors, 'who-dvc')).filter((n) => n.endsWith('QR.txt'))) {
    add(`who-dvc/${name}`, readFileSync(path.join(vectors, 'who-dvc', name), 'utf8'));
  }
  return out;
}

/**
 * Whether a JSON-mode value is what cbor-x decoded, made JSON the way toJson defines it (written
 * here without the project's code). cbor-x turns a tag-0 date-time text into a Date, where the
 * decoder keeps the text as written: a Date matches a text naming the same instant.
 */
function matchesCborX(json: unknown, x: unknown): boolean {
  if (x === undefined) return json === null;
  if (typeof x === 'bigint') return json === Number(x);
  if (typeof x !== 'object' || x === null) return Object.is(json, x);
  if (x instanceof Date) return typeof json === 'string' && Date.parse(json) === x.getTime();
  if (x instanceof Uint8Array) return json === Buffer.from(x).toString('base64');
  if (x instanceof Tag) return (x.tag === 1004 || x.tag === 0) && typeof x.value === 'string' ? json === x.value : matchesCborX(json, x.value);
  if (Array.isArray(x)) return Array.isArray(json) && json.length === x.length && x.every((v, i) => matchesCborX(json[i], v));
  if (!(x instanceof Map)) throw new Error(`cbor-x gave an unexpected ${Object.prototype.toString.call(x)}`);
  if (typeof json !== 'object' || json === null || Array.isArray(json) || Object.keys(json).length !== x.size) return false;
  return [...x].every(([k, v]) => Object.hasOwn(json, String(k)) && matchesCborX((json as Record<string, unknown>)[String(k)], v));
}

const HCERT_CLAIM = -260;
const hcertOf = (payload: unknown) => (payload as Map<unknown, unknown>).get(HCERT_CLAIM) as Map<unknown, unknown> | undefined;
const jsonMode = (bytes: Uint8Array) => decodeCbor(bytes, DEFAULT_CBOR_LIMITS, HCERT_DOCUMENT_DEPTH);

/**
 * What JSON mode makes of an hcert entry the Map mode read: a container is built as toJson
 * makes it; an entry that is no container (a scalar, bytes, a tag) is hcert's own item and keeps
 * its form, but a container inside a tag is as deep as the tag, so JSON too.
 */
function jsonModeOf(v: unknown): unknown {
  if (v instanceof Map || Array.isArray(v)) return toJson(v);
  if (v instanceof CborTag) return new CborTag(jsonModeOf(v.value), v.tag);
  return v;
}

/** True when two keys of one map (anywhere inside) name the same JSON member: JSON mode refuses those. */
function collides(v: unknown): boolean {
  if (v instanceof Map) {
    const names = new Set([...v.keys()].map((k) => (typeof k === 'string' ? k : String(k))));
    return names.size < v.size || [...v.values()].some(collides);
  }
  if (Array.isArray(v)) return v.some(collides);
  if (v instanceof Tag) return collides(v.value);
  return false;
}

describe('decodeCbor JSON mode (hcert documents in the same pass)', () => {
  const payloads = vectorPayloads();

  it('reads enough real payloads to mean something', () => {
    expect(payloads.length).toBeGreaterThan(400);
  });

  it('every real payload: the hcert documents equal toJson of the Map mode and cbor-x decoding, the claims stay Maps', () => {
    const reference = new Decoder({ mapsAsObjects: false, useRecords: false });
    let documents = 0;
    for (const { id, payload } of payloads) {
      const mapCode = codeOf(() => decodeCbor(payload));
      const jsonCode = codeOf(() => jsonMode(payload));
      expect(jsonCode, id).toBe(mapCode);
      if (mapCode) continue;
      const [byMap, byJson] = [decodeCbor(payload), jsonMode(payload)];
      expect(byJson, id).toBeInstanceOf(Map);
      const [hMap, hJson] = [hcertOf(byMap), hcertOf(byJson)];
      if (!(hMap instanceof Map)) continue;
      expect(hJson, id).toBeInstanceOf(Map);
      const cborX = hcertOf(reference.decode(payload));
      for (const [label, doc] of hMap) {
        expect(hJson!.get(label), `${id} hcert ${String(label)}`).toEqual(jsonModeOf(doc));
        if (!(doc instanceof Map)) continue; // a byte string where a document belongs (CBO1): no document
        expect(matchesCborX(hJson!.get(label), cborX!.get(label)), `${id} hcert ${String(label)} against cbor-x`).toBe(true);
        documents++;
      }
    }
    expect(documents).toBeGreaterThan(400);
  });

  it('two keys naming one member (1 and "1") are refused in a document, kept apart in a Map', () => {
    const doc = hex('a2 01 00 61 31 00'); // { 1: 0, "1": 0 }
    const wrapped = (inner: Buffer) => Buffer.concat([hex('a1 39 0103 a1 01'), inner]); // { -260: { 1: inner } }
    expect((decodeCbor(doc) as Map<unknown, unknown>).size).toBe(2);
    expect(codeOf(() => jsonMode(wrapped(doc)))).toBe('CBOR_INVALID');
    expect(codeOf(() => decodeCbor(wrapped(doc)))).toBeUndefined();
  });

  it('a "__proto__" key is an own member of the document, not its prototype', () => {
    const doc = jsonMode(Buffer.concat([hex('a1 39 0103 a1 01 a1'), encoder.encode('__proto__'), hex('a1 61 78 01')]));
    const json = hcertOf(doc)!.get(1) as Record<string, unknown>;
    expect(Object.getPrototypeOf(json)).toBe(Object.prototype);
    expect(Object.keys(json)).toEqual(['__proto__']);
    expect(Object.getOwnPropertyDescriptor(json, '__proto__')?.value).toEqual({ x: 1 });
  });

  it('random documents written by cbor-x: JSON mode equals toJson of the Map mode, or refuses a collision', () => {
    const key = fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constantFrom('1', '-1', 'a', 'nam', '__proto__'));
    const { node } = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: 'small' },
        fc.integer(),
        fc.double(),
        fc.string({ maxLength: 6 }),
        fc.boolean(),
        fc.constantFrom(null, undefined),
        fc.uint8Array({ maxLength: 6 }),
        fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n - 1n }),
        fc.tuple(fc.constantFrom(0, 1, 1004, 42, 55799), tie('node')).map(([t, v]) => new Tag(v, t)),
        fc.array(tie('node'), { maxLength: 4 }),
        fc.array(fc.tuple(key, tie('node')), { maxLength: 4 }).map((entries) => new Map(entries)),
      ),
    }));
    fc.assert(
      fc.property(node, (value) => {
        const bytes = encoder.encode(new Map<unknown, unknown>([[1, 'XA'], [HCERT_CLAIM, new Map([[1, value]])]]));
        const mapCode = codeOf(() => decodeCbor(bytes));
        const jsonCode = codeOf(() => jsonMode(bytes));
        if (mapCode) {
          expect(jsonCode).toBe(mapCode);
          return;
        }
        const byMap = decodeCbor(bytes);
        if (collides(hcertOf(byMap)!.get(1))) {
          expect(jsonCode).toBe('CBOR_INVALID');
          return;
        }
        expect(jsonCode).toBeUndefined();
        expect(hcertOf(jsonMode(bytes))!.get(1)).toEqual(jsonModeOf(hcertOf(byMap)!.get(1)));
      }),
      { numRuns: 2_000 },
    );
  });

  it('damaged real payloads: JSON mode fails exactly where the Map mode does, with the same code', () => {
    const sample = payloads.filter((_, i) => i % 7 === 0);
    fc.assert(
      fc.property(fc.nat(sample.length - 1), fc.nat(), fc.integer({ min: 0, max: 255 }), fc.boolean(), (which, at, byte, cut) => {
        const src = sample[which]!.payload;
        const bytes = Uint8Array.from(src);
        const i = at % bytes.length;
        const damaged = cut ? bytes.subarray(0, i) : (bytes.set([byte], i), bytes);
        const mapCode = codeOf(() => decodeCbor(damaged));
        const jsonCode = codeOf(() => jsonMode(damaged));
        if (mapCode || !collides(hcertOf(decodeCbor(damaged)))) expect(jsonCode).toBe(mapCode);
      }),
      { numRuns: 3_000 },
    );
  });
});
