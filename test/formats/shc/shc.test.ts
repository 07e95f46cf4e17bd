// SHC adapter: the spec examples against their issuer JWKS, tampering, signature form, time,
// revocation, mapping, and hostile inputs (security.md §2.10 H-1…H-8).
import { createHash, KeyObject } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { deflateRawSync, gzipSync } from 'node:zlib';
import path from 'node:path';
import { calculateJwkThumbprint, CompactSign, exportJWK, generateKeyPair, type CryptoKey } from 'jose';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { VerificationError, type ErrorCode } from '../../../src/errors.js';
import type { VaccinationEvidence, TestEvidence } from '../../../src/model.js';
import { assembleChunks, decodeJws, decodeNumeric, encodeNumeric, jwsToQrTexts, qrToJws, shcAdapter } from '../../../src/formats/shc/index.js';
import { signShcJws, signShcQr } from '../../../scripts/demo/sign-shc.js';
import type { Signer } from '../../../src/trust/types.js';
import { verifyText } from '../../../src/pipeline/verify.js';
import { DEFAULT_POLICY_FILE, loadPolicy } from '../../../src/policy/load.js';
import { evaluate, policyLabel } from '../../../src/policy/evaluate.js';
import { jwksSigners, makeIssuerKey, read, shcResolver, SPEC_DIR, SPEC_ISS, vectorsPresent, type TestIssuerKey } from './helpers.js';
import { verifyStaged } from '../../helpers/stages.js';
import { parseJwks } from '../../../src/trust/sources/jwks.js';
import { buildSnapshot } from '../../../src/trust/store.js';
import { readFileSync } from 'node:fs';

const AT = new Date('2024-01-01T00:00:00Z');
const ctx = (signers: readonly Signer[], at = AT) => ({ trust: shcResolver(signers), at, lang: 'en' as const });

async function codeOf(p: Promise<unknown> | (() => unknown)): Promise<ErrorCode | 'OK'> {
  try {
    await (typeof p === 'function' ? p() : p);
    return 'OK';
  } catch (err) {
    if (err instanceof VerificationError) return err.code;
    throw err;
  }
}

const BUNDLE = {
  resourceType: 'Bundle',
  type: 'collection',
  entry: [
    { fullUrl: 'resource:0', resource: { resourceType: 'Patient', name: [{ family: 'Müller-Lüdenscheidt', given: ['Ana', 'B.'] }], birthDate: '1980-02-03' } },
    { fullUrl: 'resource:1', resource: { resourceType: 'Immunization', status: 'completed', vaccineCode: { coding: [{ system: 'http://hl7.org/fhir/sid/cvx', code: '208' }] }, patient: { reference: 'resource:0' }, occurrenceDateTime: '2021-05-01', performer: [{ actor: { display: 'Clinic A' } }] } },
    { fullUrl: 'resource:2', resource: { resourceType: 'Immunization', status: 'entered-in-error', vaccineCode: { coding: [{ system: 'http://hl7.org/fhir/sid/cvx', code: '208' }] }, patient: { reference: 'resource:0' }, occurrenceDateTime: '2021-05-10' } },
    { fullUrl: 'resource:3', resource: { resourceType: 'Immunization', status: 'completed', vaccineCode: { coding: [{ system: 'http://hl7.org/fhir/sid/cvx', code: '208' }] }, patient: { reference: 'resource:0' }, occurrenceDateTime: '2021-05-22' } },
  ],
};
const TYPES = ['https://smarthealth.cards#health-card', 'https://smarthealth.cards#immunization', 'https://smarthealth.cards#covid19'];
const claims = (over: Record<string, unknown> = {}, bundle: unknown = BUNDLE, type = TYPES) => ({
  iss: SPEC_ISS,
  nbf: 1_700_000_000,
  vc: { type, credentialSubject: { fhirVersion: '4.0.1', fhirBundle: bundle } },
  ...over,
});

describe.skipIf(!vectorsPresent)('SHC spec examples (smart-on-fhir/health-cards gh-pages examples/)', () => {
  let signers: Signer[];
  beforeAll(async () => {
    signers = await jwksSigners(SPEC_ISS, path.join(SPEC_DIR, 'issuer/.well-known/jwks.json'), 'spec-examples');
  });

  it('loads both issuer keys of the example JWKS', () => {
    expect(signers.map((s) => s.kid).sort()).toEqual(['3Kfdg-XwP-7gXyywtUfUADwBumDOPKMQx-iELL11W9s', 'EBKOr72QQDcTBUuVzAzkfBTGew0ZA16GuWty64nS-sw']);
  });

  it.each(['00', '01', '03'])('example %s QR verifies after its nbf (2023-06-22) and maps to a vaccination', async (n) => {
    const r = await verifyStaged(shcAdapter, read(path.join(SPEC_DIR, `example-${n}-f-qr-code-numeric-value-0.txt`)), ctx(signers));
    expect(r.failures).toEqual([]);
    expect(r.signer).toMatchObject({ algorithm: 'ES256', source: 'spec-examples' });
    expect(r.issuedAt?.toISOString()).toBe('2023-06-22T16:19:24.656Z'.replace('656', n === '00' ? '656' : '657'));
    const ev = r.certificate?.evidence as VaccinationEvidence;
    expect(ev.type).toBe('vaccination');
    expect(r.holder?.familyName).toBe(n === '03' ? 'Revoked' : 'Anyperson');
    if (n === '03') {
      expect(ev).toMatchObject({ product: { code: 'CVX:207' }, doseNumber: 2, totalDoses: 2, date: '2021-03-29' });
      expect(r.expiresAt?.toISOString()).toBe('2024-06-21T16:19:24.657Z');
    } else {
      // Doses 207, 207, 229 (2022-09-05): the latest is the evidence, three completed doses.
      expect(ev).toMatchObject({ product: { code: 'CVX:229' }, doseNumber: 3, totalDoses: 3, date: '2022-09-05' });
      expect(r.warnings).toContainEqual({ code: 'NO_EXPIRY' });
    }
    expect(r.display).toMatchObject({ type: 'vaccination', issuer: SPEC_ISS });
  });

  it('example 00 is NOT_YET_VALID one minute before nbf minus the 5-minute skew, valid just inside it', async () => {
    const text = read(path.join(SPEC_DIR, 'example-00-f-qr-code-numeric-value-0.txt'));
    const nbf = 1687450764.656 * 1000;
    const early = await verifyStaged(shcAdapter, text, ctx(signers, new Date(nbf - 6 * 60_000)));
    expect(early.failures.map((f) => f.code)).toEqual(['NOT_YET_VALID']);
    const skew = await verifyStaged(shcAdapter, text, ctx(signers, new Date(nbf - 4 * 60_000)));
    expect(skew.failures).toEqual([]);
  });

  it('example 03 is EXPIRED after its exp (2024-06-21)', async () => {
    const r = await verifyStaged(shcAdapter, read(path.join(SPEC_DIR, 'example-03-f-qr-code-numeric-value-0.txt')), ctx(signers, new Date('2024-06-22T00:00:00Z')));
    expect(r.failures.map((f) => f.code)).toEqual(['EXPIRED']);
  });

  it('example 02 (three chunks) verifies only once assembled, in any order', async () => {
    const chunks = [0, 1, 2].map((i) => read(path.join(SPEC_DIR, `example-02-f-qr-code-numeric-value-${i}.txt`)));
    expect(await codeOf(verifyStaged(shcAdapter, chunks[1]!, ctx(signers)))).toBe('UNSUPPORTED_FORMAT');
    const r = await verifyStaged(shcAdapter, assembleChunks([chunks[2]!, chunks[0]!, chunks[1]!]), ctx(signers));
    // Signature good; a general lab panel with no Patient and no COVID-19 result is no certificate to assess.
    expect(r.checks).toContainEqual({ name: 'signature', passed: true });
    expect(r.failures.map((f) => f.code)).toEqual(['SCHEMA_INVALID']);
    expect(r.certificate).toBeUndefined();
  });

  it('example 03 is REVOKED with the example CRL (rid vwAjHdarZuc.1687450765 > nbf); example 00 is not', async () => {
    // The spec's issuer keys and CRL through the real `jwks` source and trust store (the CRL
    // file as a source's `crl` names it), so the test covers the path production takes.
    const crlFile = 'issuer/.well-known/crl/3Kfdg-XwP-7gXyywtUfUADwBumDOPKMQx-iELL11W9s.json';
    const result = await parseJwks({
      def: { id: 'spec-issuer', type: 'jwks', iss: SPEC_ISS, file: 'jwks.json', crl: crlFile },
      bytes: readFileSync(path.join(SPEC_DIR, 'issuer/.well-known/jwks.json')),
      origin: 'file',
      crls: [{ name: crlFile, bytes: readFileSync(path.join(SPEC_DIR, crlFile)) }],
    });
    const trust = buildSnapshot([{ id: 'spec-issuer', type: 'jwks', at: new Date(), ok: true, kind: 'shc', result }], new Date()).resolver;
    const r3 = await verifyStaged(shcAdapter, read(path.join(SPEC_DIR, 'example-03-f-qr-code-numeric-value-0.txt')), { trust, at: ctx(signers).at });
    expect(r3.failures.map((f) => f.code)).toEqual(['REVOKED']);
    expect(r3.checks).toContainEqual({ name: 'revocation', passed: false, code: 'REVOKED' });
    const r0 = await verifyStaged(shcAdapter, read(path.join(SPEC_DIR, 'example-00-f-qr-code-numeric-value-0.txt')), { trust, at: ctx(signers).at });
    expect(r0.failures).toEqual([]);
    expect(r0.checks).toContainEqual({ name: 'revocation', passed: true });
  });

  it('a tampered payload (one character of the JWS changed) fails SIGNATURE_INVALID', async () => {
    const jws = read(path.join(SPEC_DIR, 'example-00-d-jws.txt'));
    const [h, , s] = jws.split('.') as [string, string, string];
    // Re-deflate the payload with a changed dose date: well-formed, but not what was signed.
    const text = JSON.stringify(decodeJws(jws).payload).replace('2021-01-29', '2021-01-28');
    expect(text).toContain('2021-01-28');
    const forged = `${h}.${deflateRawSync(Buffer.from(text)).toString('base64url')}.${s}`;
    expect(await codeOf(verifyStaged(shcAdapter, jwsToQrTexts(forged)[0]!, ctx(signers)))).toBe('SIGNATURE_INVALID');
    // One flipped digit pair in the QR text (inside the signature) also fails.
    const qr = read(path.join(SPEC_DIR, 'example-00-f-qr-code-numeric-value-0.txt'));
    const flipped = qr.slice(0, -4) + (qr.slice(-4, -2) === '10' ? '11' : '10') + qr.slice(-2);
    expect(await codeOf(verifyStaged(shcAdapter, flipped, ctx(signers)))).toBe('SIGNATURE_INVALID');
  });

  it('a key of another issuer with the same kid is not used: keys are looked up by iss and kid', async () => {
    const moved = signers.map((s) => ({ ...s, iss: 'https://other.example/issuer' }));
    expect(await codeOf(verifyStaged(shcAdapter, read(path.join(SPEC_DIR, 'example-00-f-qr-code-numeric-value-0.txt')), ctx(moved)))).toBe('KID_UNKNOWN');
  });
});

describe('SHC adapter with a key of our own', () => {
  let key: TestIssuerKey;
  beforeAll(() => {
    key = makeIssuerKey(SPEC_ISS, 'US');
  });
  afterEach(() => vi.restoreAllMocks());
  const qr = (payload: unknown, opts: Partial<Parameters<typeof signShcJws>[2]> = {}) =>
    assembleChunks(signShcQr(payload, key.privateKey, { kid: key.kid, ...opts }));

  it('detects shc:/ in either case and nothing else', () => {
    expect(shcAdapter.detect('shc:/5676')).toBe(true);
    expect(shcAdapter.detect('SHC:/5676')).toBe(true);
    expect(shcAdapter.detect('shc:5676')).toBe(false);
    expect(shcAdapter.detect(' shc:/5676')).toBe(false);
    expect(shcAdapter.detect('HC1:NCF')).toBe(false);
    expect(shcAdapter.detect('shlink:/eyJ1cmwiOi')).toBe(false);
  });

  it('maps holder, dose count (completed doses only), product, signer summary and issuer country', async () => {
    const r = await verifyStaged(shcAdapter, qr(claims({ exp: 1_900_000_000 })), ctx([key.signer]));
    expect(r.failures).toEqual([]);
    expect(r.signer).toEqual({ kid: key.kid, country: 'US', algorithm: 'ES256', source: 'test-key' });
    expect(r.holder).toEqual({ familyName: 'Müller-Lüdenscheidt', familyNameStd: 'MULLER<LUDENSCHEIDT', givenName: 'Ana B.', givenNameStd: 'ANA<B', dateOfBirth: '1980-02-03' });
    const ev = r.certificate!.evidence as VaccinationEvidence;
    // entered-in-error is not a dose: two completed doses, the latest (2021-05-22) is the evidence.
    expect(ev).toMatchObject({ type: 'vaccination', product: { code: 'CVX:208' }, doseNumber: 2, totalDoses: 2, date: '2021-05-22', disease: { code: '840539006' }, country: { code: 'US' } });
    expect(r.certificate).toMatchObject({ format: 'SHC', issuerCountry: 'US' });
    expect(r.expiresAt?.toISOString()).toBe(new Date(1_900_000_000_000).toISOString());
    expect(r.warnings).toEqual([]);
  });

  it('normalises SNOMED and ICD-11 product codes and keeps other systems as system|code', async () => {
    const withCode = (coding: unknown) => ({
      ...BUNDLE,
      entry: [BUNDLE.entry[0], { resource: { resourceType: 'Immunization', status: 'completed', vaccineCode: { coding: [coding] }, occurrenceDateTime: '2021-06-01' } }],
    });
    const product = async (coding: unknown) => ((await verifyStaged(shcAdapter, qr(claims({}, withCode(coding))), ctx([key.signer]))).certificate!.evidence as VaccinationEvidence).product.code;
    expect(await product({ system: 'http://snomed.info/sct', code: '28581000087106' })).toBe('SNOMED:28581000087106');
    expect(await product({ system: 'http://id.who.int/icd11/mms', code: 'XM0GQ8' })).toBe('ICD11:XM0GQ8');
    expect(await product({ system: 'https://example.org/vaccines', code: 'V1' })).toBe('https://example.org/vaccines|V1');
  });

  it('maps a SARS-CoV-2 NAAT and an antigen Observation to the EU test types with SNOMED results', async () => {
    const lab = (loinc: string, result: string) => ({
      ...BUNDLE,
      entry: [
        BUNDLE.entry[0],
        { resource: { resourceType: 'Observation', status: 'final', code: { coding: [{ system: 'http://loinc.org', code: loinc }] }, effectiveDateTime: '2023-12-31T08:00:00Z', valueCodeableConcept: { coding: [{ system: 'http://snomed.info/sct', code: result }] }, performer: [{ display: 'Lab X' }] } },
      ],
    });
    const labTypes = ['https://smarthealth.cards#health-card', 'https://smarthealth.cards#laboratory', 'https://smarthealth.cards#covid19'];
    const naat = await verifyStaged(shcAdapter, qr(claims({}, lab('94500-6', '260415000'), labTypes)), ctx([key.signer]));
    expect(naat.certificate!.evidence).toMatchObject({ type: 'test', testType: { code: 'LP6464-4' }, result: { code: '260415000' }, positive: false, sampledAt: '2023-12-31T08:00:00Z', centre: 'Lab X' });
    expect(naat.display).toMatchObject({ testCode: 'LOINC:94500-6' });
    const ag = await verifyStaged(shcAdapter, qr(claims({}, lab('94558-4', '260373001'), labTypes)), ctx([key.signer]));
    expect(ag.certificate!.evidence as TestEvidence).toMatchObject({ testType: { code: 'LP217198-3' }, positive: true });
    // A COVID-19 card with a LOINC code outside our tables keeps it, for the policy to refuse.
    const other = await verifyStaged(shcAdapter, qr(claims({}, lab('94762-2', '260415000'), labTypes)), ctx([key.signer]));
    expect((other.certificate!.evidence as TestEvidence).testType.code).toBe('LOINC:94762-2');
    // An inconclusive result is not a negative one.
    const inconclusive = await verifyStaged(shcAdapter, qr(claims({}, lab('94500-6', '419984006'), labTypes)), ctx([key.signer]));
    expect(inconclusive.failures.map((f) => f.code)).toEqual(['SCHEMA_INVALID']);
  });

  it('gets keys only from the trust resolver and never fetches the iss URL', async () => {
    const fetchSpy = vi.spyOn(globalThis, 'fetch');
    const evil = claims({ iss: 'http://169.254.169.254/latest' });
    expect(await codeOf(verifyStaged(shcAdapter, qr(evil), ctx([key.signer])))).toBe('KID_UNKNOWN');
    expect(fetchSpy).not.toHaveBeenCalled();
  });

  it('refuses a DER-encoded signature (SIGNATURE_INVALID) while the same signature in raw r‖s verifies', async () => {
    const jws = signShcJws(claims(), key.privateKey, { kid: key.kid });
    const [h, p, s] = jws.split('.') as [string, string, string];
    const raw = Buffer.from(s, 'base64url');
    const int = (b: Buffer) => {
      let i = 0;
      while (i < b.length - 1 && b[i] === 0) i++;
      const v = b.subarray(i);
      return v[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), v]) : v;
    };
    const r = int(raw.subarray(0, 32));
    const sv = int(raw.subarray(32));
    const der = Buffer.concat([Buffer.from([0x30, r.length + sv.length + 4, 0x02, r.length]), r, Buffer.from([0x02, sv.length]), sv]);
    expect(await codeOf(verifyStaged(shcAdapter, jwsToQrTexts(jws)[0]!, ctx([key.signer])))).toBe('OK');
    expect(await codeOf(verifyStaged(shcAdapter, jwsToQrTexts(`${h}.${p}.${der.toString('base64url')}`)[0]!, ctx([key.signer])))).toBe('SIGNATURE_INVALID');
  });

  it.each([
    ['alg HS256', { header: { alg: 'HS256' } }, 'ALGORITHM_UNSUPPORTED'],
    ['alg none', { header: { alg: 'none' } }, 'ALGORITHM_UNSUPPORTED'],
    ['alg ES384', { header: { alg: 'ES384' } }, 'ALGORITHM_UNSUPPORTED'],
    ['no kid', { header: { kid: undefined } }, 'KID_UNKNOWN'],
    ['kid a number', { header: { kid: 7 } }, 'CBOR_INVALID'],
    ['crit', { header: { crit: ['b64'], b64: false } }, 'CBOR_INVALID'],
    ['zip missing', { header: { zip: undefined }, noDeflate: true }, 'CBOR_INVALID'],
    ['zlib instead of raw deflate', { header: {}, rawPayload: 'zlib' }, 'DECOMPRESSION_FAILED'],
  ] as const)('header/body: %s → %s', async (_name, opts, code) => {
    let o: Parameters<typeof signShcJws>[2] = { kid: key.kid, header: { ...opts.header } };
    if ('noDeflate' in opts) o = { ...o, noDeflate: true };
    let jws = signShcJws(claims(), key.privateKey, o);
    if ('rawPayload' in opts) {
      const [h, , s] = jws.split('.');
      const { deflateSync } = await import('node:zlib');
      jws = `${h}.${deflateSync(Buffer.from(JSON.stringify(claims()))).toString('base64url')}.${s}`;
    }
    expect(await codeOf(verifyStaged(shcAdapter, assembleChunks(jwsToQrTexts(jws)), ctx([key.signer])))).toBe(code);
  });

  it.each([
    ['no iss', { iss: undefined }, 'CWT_INVALID'],
    ['nbf a string', { nbf: '2021-01-01' }, 'CWT_INVALID'],
    ['exp absurd (1e300)', { exp: 1e300 }, 'CWT_INVALID'],
    ['no vc', { vc: undefined }, 'CWT_INVALID'],
    ['no fhirBundle', { vc: { type: TYPES, credentialSubject: {} } }, 'CWT_INVALID'],
  ] as const)('claims: %s → %s', async (_name, over, code) => {
    expect(await codeOf(verifyStaged(shcAdapter, qr(claims(over as Record<string, unknown>)), ctx([key.signer])))).toBe(code);
  });

  it('reports mapping defects after the signature as SCHEMA_INVALID, keeping the signer', async () => {
    const noDate = { ...BUNDLE, entry: [BUNDLE.entry[0], { resource: { resourceType: 'Immunization', status: 'completed', vaccineCode: BUNDLE.entry[1]!.resource.vaccineCode } }] };
    const r = await verifyStaged(shcAdapter, qr(claims({}, noDate)), ctx([key.signer]));
    expect(r.failures.map((f) => f.code)).toEqual(['SCHEMA_INVALID']);
    expect(r.signer.kid).toBe(key.kid);
    const noType = await verifyStaged(shcAdapter, qr(claims({}, BUNDLE, ['https://smarthealth.cards#covid19'])), ctx([key.signer]));
    expect(noType.failures.map((f) => f.code)).toEqual(['SCHEMA_INVALID']);
  });

  it('checks a signer validity window when the store knows one', async () => {
    const bounded = { ...key.signer, notAfter: new Date('2023-01-01T00:00:00Z') };
    const r = await verifyStaged(shcAdapter, qr(claims()), ctx([bounded]));
    expect(r.failures.map((f) => f.code)).toEqual(['SIGNER_NOT_VALID']);
  });
});

describe('SHC hostile inputs: coded errors, no crash', () => {
  let key: TestIssuerKey;
  beforeAll(() => {
    key = makeIssuerKey(SPEC_ISS);
  });

  it('a deflate bomb (50 MB of one character in a valid signed card) → PAYLOAD_TOO_LARGE, quickly', async () => {
    const bomb = Buffer.alloc(50 * 1024 * 1024, 0x61);
    const jws = signShcJws(undefined, key.privateKey, { kid: key.kid, rawPayload: bomb });
    // 50 MB deflates to ~50 KB: over the JWS cap already, so the inflater is not even reached…
    expect(await codeOf(verifyStaged(shcAdapter, `shc:/${encodeNumeric(jws)}`, ctx([key.signer])))).toBe('PAYLOAD_TOO_LARGE');
    // …and a bomb that fits the JWS cap (1 MB → ~1 KB) stops at the 64 KiB inflate cap.
    const small = signShcJws(undefined, key.privateKey, { kid: key.kid, rawPayload: Buffer.alloc(1024 * 1024, 0x61) });
    expect(small.length).toBeLessThan(8192);
    const started = process.hrtime.bigint();
    expect(await codeOf(verifyStaged(shcAdapter, assembleChunks(jwsToQrTexts(small)), ctx([key.signer])))).toBe('PAYLOAD_TOO_LARGE');
    expect(Number(process.hrtime.bigint() - started) / 1e6).toBeLessThan(500);
  });

  it('a huge JWS / QR text → PAYLOAD_TOO_LARGE without decoding it', async () => {
    expect(await codeOf(verifyStaged(shcAdapter, `shc:/${'56'.repeat(200_000)}`, ctx([key.signer])))).toBe('PAYLOAD_TOO_LARGE');
    expect(await codeOf(() => decodeJws('a'.repeat(9000)))).toBe('PAYLOAD_TOO_LARGE');
    expect(await codeOf(() => assembleChunks(Array.from({ length: 30 }, (_, i) => `shc:/${i + 1}/30/5676`)))).toBe('PAYLOAD_TOO_LARGE');
  });

  it.each([
    ['odd digit count', 'shc:/567'],
    ['a pair above 77', 'shc:/5678'],
    ['a non-digit', 'shc:/56a6'],
    ['whitespace inside', 'shc:/56 76'],
    ['empty', 'shc:/'],
    ['chunk index 0', 'shc:/0/2/5676'],
    ['chunk index above total', 'shc:/3/2/5676'],
    ['chunk alone', 'shc:/1/2/5676'],
    ['bad header', 'shc:/1/x/5676'],
  ])('numeric layer: %s → UNSUPPORTED_FORMAT', async (_name, text) => {
    expect(await codeOf(verifyStaged(shcAdapter, text, ctx([key.signer])))).toBe('UNSUPPORTED_FORMAT');
  });

  it('chunk assembly refuses mixed totals, duplicates and missing chunks', async () => {
    // Random padding does not compress, so the JWS needs several chunks.
    const pad = Buffer.from(Array.from({ length: 1500 }, (_, i) => (i * 7919) % 251)).toString('base64');
    const jws = signShcJws(claims(), key.privateKey, { kid: key.kid, rawPayload: JSON.stringify({ ...claims(), pad }) });
    const chunks = jwsToQrTexts(jws);
    expect(chunks.length).toBeGreaterThan(1);
    expect(await codeOf(() => assembleChunks([chunks[0]!, chunks[0]!]))).toBe('UNSUPPORTED_FORMAT');
    expect(await codeOf(() => assembleChunks(chunks.slice(1)))).toBe('UNSUPPORTED_FORMAT');
    expect(await codeOf(() => assembleChunks([...chunks.slice(1), 'shc:/1/9/5676']))).toBe('UNSUPPORTED_FORMAT');
    expect(await codeOf(() => assembleChunks([]))).toBe('UNSUPPORTED_FORMAT');
    expect(await codeOf(verifyStaged(shcAdapter, assembleChunks([...chunks].reverse()), ctx([key.signer])))).toBe('OK');
  });

  it.each([
    ['two parts', 'abc.def'],
    ['four parts', 'a.b.c.d'],
    ['base64url with padding', 'eyJ6.ab=.cd'],
    ['header not JSON', `${Buffer.from('nope').toString('base64url')}.AA.AA`],
    ['header a JSON array', `${Buffer.from('[1]').toString('base64url')}.AA.AA`],
  ])('JWS structure: %s → CBOR_INVALID', async (_name, jws) => {
    expect(await codeOf(() => decodeJws(jws))).toBe('CBOR_INVALID');
  });

  it('payload not raw DEFLATE, or with more than 8 trailing bytes → DECOMPRESSION_FAILED; up to 8 → DEFLATE_TRAILING_BYTES; a deep JSON payload → PAYLOAD_TOO_LARGE', async () => {
    const h = Buffer.from(JSON.stringify({ zip: 'DEF', alg: 'ES256', kid: 'k' })).toString('base64url');
    expect(await codeOf(() => decodeJws(`${h}.${Buffer.from('garbage!').toString('base64url')}.AA`))).toBe('DECOMPRESSION_FAILED');
    const deflated = deflateRawSync(Buffer.from(JSON.stringify(claims())));
    const withTail = (tail: string) => `${h}.${Buffer.concat([deflated, Buffer.from(tail)]).toString('base64url')}.AA`;
    expect(decodeJws(withTail('XX')).warnings.map((w) => w.code)).toEqual(['DEFLATE_TRAILING_BYTES']);
    expect(decodeJws(withTail('')).warnings).toEqual([]);
    expect(await codeOf(() => decodeJws(withTail('XXXXXXXXX')))).toBe('DECOMPRESSION_FAILED');
    // Exactly 8 bytes are read as a gzip trailer: 8 arbitrary bytes contradict the data (CRC-32, length).
    expect(await codeOf(() => decodeJws(withTail('XXXXXXXX')))).toBe('DECOMPRESSION_FAILED');
    const deep = `${'['.repeat(5000)}${']'.repeat(5000)}`;
    const deepPayload = deflateRawSync(Buffer.from(`{"iss":"x","nbf":1,"vc":${deep}}`));
    expect(await codeOf(() => decodeJws(`${h}.${deepPayload.toString('base64url')}.AA`))).toBe('PAYLOAD_TOO_LARGE');
  });

  it('random digit strings and random JWS-like texts never throw anything but VerificationError', async () => {
    // A seeded generator: failures are reproducible.
    let seed = 42;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    for (let i = 0; i < 300; i++) {
      const len = 2 * Math.floor(rnd() * 200);
      let digits = '';
      for (let j = 0; j < len; j++) digits += String(Math.floor(rnd() * 8));
      const code = await codeOf(verifyStaged(shcAdapter, `shc:/${digits}`, ctx([key.signer])));
      expect(code).not.toBe('OK');
    }
    const valid = signShcJws(claims(), key.privateKey, { kid: key.kid });
    for (let i = 0; i < 300; i++) {
      const pos = Math.floor(rnd() * valid.length);
      const ch = String.fromCharCode(45 + Math.floor(rnd() * 78));
      const mutated = valid.slice(0, pos) + ch + valid.slice(pos + 1);
      if (mutated === valid) continue;
      const code = await codeOf(verifyStaged(shcAdapter, `shc:/${encodeNumeric(mutated)}`, ctx([key.signer])));
      expect(code, `mutation at ${pos}`).not.toBe('OK');
    }
  });

  it('numeric encoding round-trips every JWS character', () => {
    const all = Array.from({ length: 78 }, (_, i) => String.fromCharCode(45 + i)).join('');
    expect(decodeNumeric(encodeNumeric(all))).toBe(all);
    expect(qrToJws(`shc:/1/1/${encodeNumeric('abc')}`)).toBe('abc');
    expect(createHash('sha256').update(encodeNumeric('-z')).digest('hex')).toBe(createHash('sha256').update('0077').digest('hex'));
  });
});

// Issue #10 item 3. A real Senegalese production card (ES256) carries raw DEFLATE followed by
// the 8-byte gzip trailer (CRC-32 and length of the inflated JSON, RFC 1952 §2.3.1), inside the
// signed payload. The fixtures here are made WITHOUT the project's code: the payload bytes by
// node:zlib (deflateRawSync, and gzipSync whose last 8 bytes are exactly that trailer), the JWS
// by jose's CompactSign (ES256), the QR text by the SHC numeric rule written out below, and the
// issuer key is loaded through the `jwks` trust source as an operator would configure it.
// A card signed by scripts/demo/sign-shc.ts could only show that we read what we write.
describe('regression: an SHC whose DEFLATE payload has a gzip trailer (Senegal) was DECOMPRESSION_FAILED', () => {
  const ISS = 'https://issuer.example.sn/shc';
  let signers: Signer[];
  let privateKey: CryptoKey;
  let kid: string;
  const json = Buffer.from(JSON.stringify(claims({ iss: ISS })));
  const deflated = deflateRawSync(json);
  const trailer = gzipSync(json).subarray(-8);

  beforeAll(async () => {
    const pair = await generateKeyPair('ES256', { extractable: true });
    privateKey = pair.privateKey;
    const jwk = await exportJWK(pair.publicKey);
    kid = await calculateJwkThumbprint(jwk);
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'shc-sn-')), 'jwks.json');
    writeFileSync(file, JSON.stringify({ keys: [{ ...jwk, kid, use: 'sig', alg: 'ES256' }] }));
    signers = await jwksSigners(ISS, file, 'sn-jwks');
    expect(signers.map((s) => s.kid)).toEqual([kid]);
  });

  /** jose signs the given payload bytes as they are; SHC numeric mode: two digits per char, code − 45. */
  const card = async (payload: Uint8Array): Promise<string> => {
    const jws = await new CompactSign(payload).setProtectedHeader({ alg: 'ES256', zip: 'DEF', kid }).sign(privateKey);
    return `shc:/${[...jws].map((c) => String(c.charCodeAt(0) - 45).padStart(2, '0')).join('')}`;
  };

  it('the gzip trailer as node:zlib writes it is CRC-32 then length, little-endian (what the fixture relies on)', () => {
    expect(trailer.readUInt32LE(4)).toBe(json.length);
    expect(gzipSync(json).subarray(10, -8)).toEqual(deflateRawSync(json));
  });

  it('adapter: raw DEFLATE + 8-byte gzip trailer → no failure, DEFLATE_TRAILING_BYTES, the card mapped', async () => {
    const r = await verifyStaged(shcAdapter, await card(Buffer.concat([deflated, trailer])), ctx(signers));
    expect(r.failures).toEqual([]);
    expect(r.warnings.map((w) => w.code)).toContain('DEFLATE_TRAILING_BYTES');
    expect(r.certificate?.evidence).toMatchObject({ type: 'vaccination', product: { code: 'CVX:208' }, doseNumber: 2 });
  });

  it('pipeline: the same card → VALID, the warning in the report, GREEN under the default policy', async () => {
    const policy = loadPolicy(DEFAULT_POLICY_FILE);
    const { report } = await verifyText(await card(Buffer.concat([deflated, trailer])), { at: AT, lang: 'en' }, {
      adapters: [shcAdapter],
      trust: () => shcResolver(signers),
      domestic: (c, at, lang) => evaluate(c, policy, at, lang),
      policyRef: () => policyLabel(policy),
    });
    expect(report.outcome).toBe('VALID');
    expect(report.warnings.map((w) => w.code)).toContain('DEFLATE_TRAILING_BYTES');
    expect(report.domestic).toMatchObject({ status: 'GREEN', reasons: ['VAX_PRIMARY_COMPLETE'] });
  });

  it('the same card without a trailer has no DEFLATE_TRAILING_BYTES warning', async () => {
    const r = await verifyStaged(shcAdapter, await card(deflated), ctx(signers));
    expect(r.failures).toEqual([]);
    expect(r.warnings.map((w) => w.code)).not.toContain('DEFLATE_TRAILING_BYTES');
  });

  it.each([
    ['a 9-byte trailer (gzip trailer + 1 byte)', () => Buffer.concat([deflated, trailer, Buffer.from([0])])],
    ['an 8-byte trailer with a wrong CRC-32', () => Buffer.concat([deflated, Buffer.from(trailer).fill(trailer[0]! ^ 0xff, 0, 1)])],
    ['an 8-byte trailer with a wrong length', () => Buffer.concat([deflated, trailer.subarray(0, 4), Buffer.from([1, 0, 0, 0])])],
    ['a 64-byte trailer', () => Buffer.concat([deflated, Buffer.alloc(64)])],
  ])('correctly signed, %s → DECOMPRESSION_FAILED', async (_name, payload) => {
    expect(await codeOf(verifyStaged(shcAdapter, await card(payload()), ctx(signers)))).toBe('DECOMPRESSION_FAILED');
  });

  it('the inflated-size cap still holds with a trailer: 64 KiB + 1 of JSON → PAYLOAD_TOO_LARGE', async () => {
    const big = Buffer.from(JSON.stringify(claims({ iss: ISS, pad: 'x'.repeat(64 * 1024) })));
    const payload = Buffer.concat([deflateRawSync(big), gzipSync(big).subarray(-8)]);
    expect(await codeOf(verifyStaged(shcAdapter, await card(payload), ctx(signers)))).toBe('PAYLOAD_TOO_LARGE');
  });
});

// The signature check is node:crypto through the one algorithm table (src/crypto/algorithms.ts),
// no longer jose's compactVerify. The cards here are signed by jose's CompactSign (ES256), so
// what the verifier accepts is what another JWS implementation produces; the candidate keys
// share one kid, as colliding or rotated issuer keys do.
describe('SHC signature: every candidate key of the kid is tried; only a P-256 key counts', () => {
  const ISS = 'https://issuer.example.id/shc';
  const KID = 'shared-kid';
  let right: Signer;
  let wrong: Signer;
  let p384: Signer;
  let card: string;
  let jws: string;

  beforeAll(async () => {
    // Made by hand, not through the jwks source: it keeps only keys whose kid is their own
    // thumbprint, and these share one kid on purpose.
    const signerOf = async (alg: 'ES256' | 'ES384', source: string) => {
      const pair = await generateKeyPair(alg, { extractable: true });
      const signer: Signer = { kid: KID, iss: ISS, country: 'ID', source, keyType: alg === 'ES256' ? 'EC-P256' : 'EC-P384', publicKey: KeyObject.from(pair.publicKey) };
      return { privateKey: pair.privateKey, signer };
    };
    const signing = await signerOf('ES256', 'right');
    right = signing.signer;
    wrong = (await signerOf('ES256', 'wrong')).signer;
    p384 = (await signerOf('ES384', 'p384')).signer;
    jws = await new CompactSign(Buffer.from(deflateRawSync(Buffer.from(JSON.stringify(claims({ iss: ISS }))))))
      .setProtectedHeader({ alg: 'ES256', zip: 'DEF', kid: KID })
      .sign(signing.privateKey);
    card = jwsToQrTexts(jws)[0]!;
  });

  it('a jose-signed card verifies with its key, whichever place the key has among the candidates', async () => {
    for (const order of [[right], [wrong, right], [p384, wrong, right], [right, wrong]]) {
      const r = await verifyStaged(shcAdapter, card, ctx(order));
      expect(r.failures).toEqual([]);
      expect(r.signer.source).toBe('right');
    }
  });

  it('only other P-256 keys → SIGNATURE_INVALID; only keys of another type → ALGORITHM_UNSUPPORTED', async () => {
    expect(await codeOf(verifyStaged(shcAdapter, card, ctx([wrong])))).toBe('SIGNATURE_INVALID');
    expect(await codeOf(verifyStaged(shcAdapter, card, ctx([p384, wrong])))).toBe('SIGNATURE_INVALID');
    expect(await codeOf(verifyStaged(shcAdapter, card, ctx([p384])))).toBe('ALGORITHM_UNSUPPORTED');
  });

  it('the signature covers the header and the payload as written: a re-encoded header or a cut signature fails', async () => {
    const [h, p, s] = jws.split('.') as [string, string, string];
    const header = JSON.parse(Buffer.from(h, 'base64url').toString()) as Record<string, unknown>;
    const reordered = Buffer.from(JSON.stringify({ kid: header.kid, zip: header.zip, alg: header.alg })).toString('base64url');
    expect(reordered).not.toBe(h);
    const sig = Buffer.from(s, 'base64url');
    for (const changed of [`${reordered}.${p}.${s}`, `${h}.${p}.${sig.subarray(0, 63).toString('base64url')}`, `${h}.${p}.${Buffer.concat([sig, Buffer.from([0])]).toString('base64url')}`]) {
      expect(await codeOf(verifyStaged(shcAdapter, jwsToQrTexts(changed)[0]!, ctx([right])))).toBe('SIGNATURE_INVALID');
    }
  });
});
