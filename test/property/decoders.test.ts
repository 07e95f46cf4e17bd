// Property tests (fast-check) for every decoding layer (research/security.md §4.3a): each layer
// either returns a value or throws a VerificationError with a code of its closed set; nothing
// else escapes (no RangeError, TypeError, or a crash), and each input finishes quickly. The
// whole text goes through the real pipeline for every format, where the answer must be a
// report whose codes are contract codes. Runs are bounded (numRuns + a time guard per
// property) so this stays a few seconds in `npm test`; FUZZ_RUNS raises them for a long run.
import { deflateSync } from 'node:zlib';
import { generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import { Encoder, Tag } from 'cbor-x';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, VerificationError, type ErrorCode } from '../../src/errors.js';
import { decodeCbor } from '../../src/formats/cbor.js';
import { decodeBase45, encodeBase45 } from '../../src/formats/dcc/base45.js';
import { parseCoseSign1 } from '../../src/formats/dcc/cose.js';
import { decodePayloadMap, readCwtClaims } from '../../src/formats/dcc/cwt.js';
import { inflateZlib } from '../../src/formats/dcc/inflate.js';
import { zipCertificateJson } from '../../src/formats/divoc/index.js';
import { signShcQr } from '../../scripts/demo/sign-shc.js';
import { ADAPTERS } from '../../src/formats/index.js';
import { verifyText, type PipelineDeps } from '../../src/pipeline/verify.js';
import { resolverOf } from '../helpers/stages.js';

const RUNS = Number(process.env['FUZZ_RUNS'] ?? 400);
const LIMIT_MS = 8_000;
const PER_INPUT_MS = 50;
const params = { numRuns: RUNS, interruptAfterTimeLimit: LIMIT_MS, markInterruptAsFailure: false };

/** Runs `f`; a VerificationError must carry one of `allowed`; anything else is a failure. */
function total(f: () => unknown, allowed: readonly ErrorCode[]): void {
  const t = performance.now();
  try {
    f();
  } catch (err) {
    if (!(err instanceof VerificationError)) throw new Error(`escaped: ${String(err)}`);
    if (!allowed.includes(err.code)) throw new Error(`code ${err.code} outside ${allowed.join(',')}`);
  }
  const ms = performance.now() - t;
  if (ms > PER_INPUT_MS) throw new Error(`took ${ms.toFixed(1)} ms`);
}

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:';
const base45ish = fc.string({ unit: fc.constantFrom(...ALPHABET.split(''), 'a', '~', '\n', 'é', '\u0000', '\u0141', '\ud800'), maxLength: 300 });
const bytes = fc.uint8Array({ maxLength: 2048 });

/** CBOR-ish values, nested, with the types cbor-x can encode (tags, maps, bstr, big ints). */
const cborValue = fc.letrec((tie) => ({
  leaf: fc.oneof(
    fc.integer(),
    fc.bigInt({ min: -(2n ** 64n) + 1n, max: 2n ** 64n - 1n }),
    fc.double(),
    fc.string({ maxLength: 20 }),
    fc.uint8Array({ maxLength: 40 }),
    fc.boolean(),
    fc.constant(null),
    fc.constant(undefined),
  ),
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    tie('leaf'),
    fc.array(tie('node'), { maxLength: 5 }),
    fc.array(fc.tuple(fc.oneof(fc.integer({ min: -300, max: 300 }), fc.string({ maxLength: 5 })), tie('node')), { maxLength: 5 }).map((e) => new Map(e)),
    fc.tuple(fc.constantFrom(1, 2, 18, 24, 27, 28, 29, 61, 98, 258, 999), tie('node')).map(([t, v]) => new Tag(v, t)),
  ),
})).node;
const encoder = new Encoder({ mapsAsObjects: false, useRecords: false, tagUint8Array: false });
const encode = (v: unknown): Uint8Array => {
  try {
    return encoder.encode(v);
  } catch {
    return new Uint8Array([0xf6]);
  }
};

/** A COSE_Sign1 shape with random parts: where structure checks must be exact. */
const coseShape = fc
  .tuple(fc.oneof(fc.constant(18), fc.constant(98), fc.constant(-1)), fc.oneof(fc.uint8Array({ maxLength: 30 }), cborValue.map(encode)), cborValue, fc.oneof(cborValue.map(encode), bytes), fc.uint8Array({ maxLength: 80 }), fc.nat({ max: 6 }))
  .map(([tag, prot, unprot, payload, sig, len]) => {
    const arr = [prot, unprot, payload, sig, 0, 0].slice(0, len);
    return encode(tag < 0 ? arr : new Tag(arr, tag));
  });

/** A CWT claims map with random claim values of random types. */
const claimsShape = fc
  .dictionary(fc.constantFrom('1', '4', '6', '-260', '2', 'x'), cborValue, { maxKeys: 6 })
  .map((d) => new Map(Object.entries(d).map(([k, v]) => [/^-?\d+$/.test(k) ? Number(k) : k, k === '-260' && Math.random() < 0.5 ? new Map([[1, v]]) : v])));

const DECODE_CODES: ErrorCode[] = ['CBOR_INVALID', 'PAYLOAD_TOO_LARGE'];

describe('Base45 (RFC 9285)', () => {
  it('decode is canonical: it throws BASE45_INVALID or encode(decode(s)) === s', () => {
    fc.assert(
      fc.property(base45ish, (s) => {
        let decoded: Uint8Array | undefined;
        total(() => (decoded = decodeBase45(s)), ['BASE45_INVALID', 'PAYLOAD_TOO_LARGE']);
        if (decoded) expect(encodeBase45(decoded)).toBe(s);
      }),
      params,
    );
  });
  it('round-trips any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 2048 }), (b) => {
        expect(Buffer.from(decodeBase45(encodeBase45(b)))).toEqual(Buffer.from(b));
      }),
      params,
    );
  });
});

describe('zlib', () => {
  it('any bytes: inflated bytes or DECOMPRESSION_FAILED / PAYLOAD_TOO_LARGE', () => {
    fc.assert(fc.property(bytes, (b) => total(() => inflateZlib(b), ['DECOMPRESSION_FAILED', 'PAYLOAD_TOO_LARGE'])), params);
  });
  it('deflate of any bytes up to the cap round-trips; a bomb over the cap is PAYLOAD_TOO_LARGE', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 4096 }), fc.nat({ max: 4 }), (b, extraMb) => {
        expect(Buffer.from(inflateZlib(deflateSync(b)))).toEqual(Buffer.from(b));
        if (extraMb > 0) {
          const bomb = deflateSync(Buffer.alloc(extraMb << 20));
          expect(() => inflateZlib(bomb)).toThrow(VerificationError);
        }
      }),
      { ...params, numRuns: Math.min(RUNS, 100) },
    );
  });
});

describe('CBOR', () => {
  it('any bytes: a value or CBOR_INVALID / PAYLOAD_TOO_LARGE', () => {
    fc.assert(fc.property(bytes, (b) => total(() => decodeCbor(b), DECODE_CODES)), params);
  });
  it('any encoded CBOR tree (tags, big ints, undefined, nested maps)', () => {
    fc.assert(fc.property(cborValue, (v) => total(() => decodeCbor(encode(v)), DECODE_CODES)), params);
  });
  it('deep nesting of arrays, maps and tags is refused, not a stack overflow', () => {
    fc.assert(
      fc.property(fc.constantFrom(0x81, 0xa1, 0xc1, 0x9f), fc.integer({ min: 17, max: 50_000 }), (head, depth) => {
        const body = head === 0xa1 ? Buffer.alloc(depth * 2, Buffer.from([0xa1, 0x00])) : Buffer.alloc(depth, head);
        total(() => decodeCbor(Buffer.concat([body, Buffer.from([0x00])])), DECODE_CODES);
      }),
      { ...params, numRuns: Math.min(RUNS, 200) },
    );
  });
});

describe('COSE_Sign1', () => {
  it('any bytes and any COSE-shaped structure: parsed, or a decoding/algorithm code', () => {
    const codes: ErrorCode[] = [...DECODE_CODES, 'ALGORITHM_UNSUPPORTED', 'KID_UNKNOWN'];
    fc.assert(fc.property(fc.oneof(bytes, coseShape), (b) => total(() => parseCoseSign1(b), codes)), params);
  });
});

describe('CWT claims', () => {
  it('any payload bytes or claims map: claims, or CBOR_INVALID / CWT_INVALID / PAYLOAD_TOO_LARGE', () => {
    const codes: ErrorCode[] = [...DECODE_CODES, 'CWT_INVALID'];
    fc.assert(
      fc.property(fc.oneof(bytes, claimsShape.map(encode), cborValue.map(encode)), (b) => total(() => readCwtClaims(decodePayloadMap(b)), codes)),
      params,
    );
  });
});

// The whole text through the real pipeline, every adapter in the table.
const noTrust = resolverOf();
const deps: PipelineDeps = {
  adapters: ADAPTERS,
  trust: () => noTrust,
  domestic: () => ({ status: 'GREEN', reasons: [], validUntil: null, policy: 'test@1' }),
  policyRef: () => 'test@1',
};

async function pipelineTotal(text: string): Promise<void> {
  const t = performance.now();
  const { report } = await verifyText(text, { at: new Date('2022-01-01T00:00:00Z'), lang: 'en' }, deps);
  const ms = performance.now() - t;
  if (ms > PER_INPUT_MS * 2) throw new Error(`took ${ms.toFixed(1)} ms`);
  // Nothing is trusted here, so nothing may be VALID.
  expect(report.outcome).toBe('INVALID');
  expect(report.errors.length).toBeGreaterThan(0);
  for (const e of report.errors) expect(ERROR_CODES).toContain(e.code);
}

const { privateKey: shcKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const shcSeed = signShcQr({ iss: 'https://issuer.example', nbf: 1_600_000_000, vc: { type: ['https://smarthealth.cards#health-card'], credentialSubject: { fhirVersion: '4.0.1', fhirBundle: { resourceType: 'Bundle', entry: [] } } } }, shcKey, { kid: 'k1' })[0]!;

describe('the whole text, through the pipeline (all formats)', () => {
  const asyncParams = { ...params, numRuns: Math.min(RUNS, 300) };
  it('HC1: random Base45, random zlib, random COSE structures', async () => {
    const text = fc.oneof(
      base45ish.map((s) => `HC1:${s}`),
      bytes.map((b) => `HC1:${encodeBase45(b)}`),
      bytes.map((b) => `HC1:${encodeBase45(deflateSync(b))}`),
      coseShape.map((b) => `HC1:${encodeBase45(deflateSync(b))}`),
    );
    await fc.assert(fc.asyncProperty(text, pipelineTotal), asyncParams);
  });
  it('SMART Health Cards: random numeric text and a signed card with digits changed', async () => {
    const digits = fc.string({ unit: fc.constantFrom(...'0123456789'.split('')), maxLength: 400 });
    const mutated = fc.tuple(fc.nat({ max: shcSeed.length - 1 }), fc.constantFrom(...'0123456789/:x'.split(''))).map(([i, c]) => shcSeed.slice(0, i) + c + shcSeed.slice(i + 1));
    const text = fc.oneof(digits.map((d) => `shc:/${d}`), digits.map((d) => `shc:/1/2/${d}`), mutated, fc.constant(shcSeed));
    await fc.assert(fc.asyncProperty(text, pipelineTotal), asyncParams);
  });
  it('DIVOC: B64: of random bytes, of zips of random JSON, and JSON credentials with random fields', async () => {
    const json = fc.jsonValue({ maxDepth: 4 });
    const ctx = ['https://www.w3.org/2018/credentials/v1', 'https://cowin.gov.in/credentials/vaccination/v1'];
    const text = fc.oneof(
      bytes.map((b) => `B64:${Buffer.from(b).toString('base64')}`),
      json.map((j) => `B64:${Buffer.from(zipCertificateJson(Buffer.from(JSON.stringify(j)))).toString('base64')}`),
      fc.dictionary(fc.constantFrom('credentialSubject', 'evidence', 'proof', 'issuer', 'type', 'issuanceDate', 'x'), json).map((d) => JSON.stringify({ '@context': ctx, ...d })),
    );
    await fc.assert(fc.asyncProperty(text, pipelineTotal), asyncParams);
  });
  it('ICAO VDS-NC: seal-shaped JSON with random header, message and signature', async () => {
    const json = fc.jsonValue({ maxDepth: 3 });
    const seal = fc
      .record({
        t: fc.constantFrom('icao.vacc', 'icao.test', 'x'),
        v: fc.oneof(fc.constant(1), json),
        is: fc.constantFrom('AUS', 'JPN', 'XXX', ''),
        msg: json,
        alg: fc.constantFrom('ES256', 'ES384', 'ES512', 'none', 'HS256'),
        cer: fc.oneof(fc.base64String({ maxLength: 200 }), json),
        sigvl: fc.oneof(fc.base64String({ maxLength: 200 }), json),
      })
      .map((r) => JSON.stringify({ data: { hdr: { t: r.t, v: r.v, is: r.is }, msg: r.msg }, sig: { alg: r.alg, cer: r.cer, sigvl: r.sigvl } }));
    await fc.assert(fc.asyncProperty(seal, pipelineTotal), asyncParams);
  });
  it('any text at all', async () => {
    await fc.assert(fc.asyncProperty(fc.string({ maxLength: 500 }), pipelineTotal), asyncParams);
  });
});
