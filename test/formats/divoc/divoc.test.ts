// DIVOC adapter: credentials this test signs itself, in the shapes of the Indian CoWIN
// (RsaSignature2018, context cowin v1, age) and Indonesian PeduliLindungi (Ed25519Signature2018,
// context pedulilindungi v2, dob) certificates described in research/anchors-mission.md §2.5(k).
// These credentials are signed by the project's demo signer (scripts/demo/sign-divoc.ts): they test
// the adapter's own rules, not interoperability. That the service verifies what DIVOC itself signs
// is proven in interop.test.ts, with credentials made by jsonld-signatures 6.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateRawSync } from 'node:zlib';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { VerificationError } from '../../../src/errors.js';
import { divocAdapter, pinnedDocumentLoader, readCertificateJson, zipCertificateJson } from '../../../src/formats/divoc/index.js';
import { divocQrText, signDivocCredential } from '../../../scripts/demo/sign-divoc.js';
import type { Signer, TrustResolver } from '../../../src/trust/types.js';
import { resolverOf, verifyStaged, type StageContext as VerifyContext } from '../../helpers/stages.js';

const ROOT = path.resolve(fileURLToPath(new URL('../../..', import.meta.url)));
const CONTEXT_VECTORS = path.resolve(ROOT, '../shared/vectors/divoc/jsonld-contexts');
const HAVE_VECTORS = existsSync(CONTEXT_VECTORS);
if (!HAVE_VECTORS) console.warn(`DIVOC context vectors missing at ${CONTEXT_VECTORS}: the pinned-copy comparison is skipped`);

type Credential = Record<string, unknown>;

function cowinCredential(): Credential {
  return {
    '@context': ['https://www.w3.org/2018/credentials/v1', 'https://cowin.gov.in/credentials/vaccination/v1'],
    type: ['VerifiableCredential', 'ProofOfVaccinationCredential'],
    credentialSubject: {
      type: 'Person',
      id: 'did:Passport:Z1234567',
      refId: '12346',
      name: 'Bhaskar Rao',
      gender: 'Male',
      age: '27',
      nationality: 'Indian',
      address: { streetAddress: '', streetAddress2: '', district: 'Pune', city: '', addressRegion: 'Maharashtra', addressCountry: 'IN', postalCode: '411001' },
    },
    issuer: 'https://cowin.gov.in/',
    issuanceDate: '2021-07-15T17:21:13.117Z',
    evidence: [
      {
        id: 'https://cowin.gov.in/vaccine/123456789',
        feedbackUrl: 'https://cowin.gov.in/?123456789',
        infoUrl: 'https://cowin.gov.in/?123456789',
        certificateId: '123456789',
        type: ['Vaccination'],
        batch: '4121Z025',
        vaccine: 'COVISHIELD',
        manufacturer: 'Serum Institute of India',
        date: '2021-07-01T05:30:00.000Z',
        // As CoWIN issues it: effectiveStart = effectiveUntil = the vaccination date.
        effectiveStart: '2021-07-01',
        effectiveUntil: '2021-07-01',
        dose: 2,
        totalDoses: 2,
        verifier: { name: 'Test Vaccinator' },
        facility: { name: 'Test Health Centre', address: { streetAddress: '', district: 'Pune', addressRegion: 'Maharashtra', addressCountry: 'IN', postalCode: '' } },
      },
    ],
    nonTransferable: 'true',
  };
}

function pedulilindungiCredential(): Credential {
  return {
    '@context': ['https://www.w3.org/2018/credentials/v1', 'https://www.pedulilindungi.id/credentials/vaccination/v2'],
    type: ['VerifiableCredential', 'ProofOfVaccinationCredential'],
    credentialSubject: { type: 'Person', id: 'did:nik:0000000000000000', name: 'Budi Santoso', gender: 'Male', dob: '1985-04-12', nationality: 'Indonesia' },
    issuer: 'https://www.pedulilindungi.id/',
    issuanceDate: '2021-10-20T03:00:00.000Z',
    evidence: [
      {
        id: 'https://www.pedulilindungi.id/vaccine/987',
        certificateId: '987',
        type: ['Vaccination'],
        batch: 'A1',
        vaccine: 'Sinovac',
        manufacturer: 'Sinovac Life Sciences',
        icd11Code: 'XM7HT3',
        prophylaxis: 'COVID-19 vaccine, inactivated virus',
        date: '2021-10-01T02:00:00.000Z',
        effectiveStart: '2021-10-01',
        dose: 2,
        totalDoses: 2,
        facility: { name: 'Puskesmas Test', address: { addressCountry: 'ID' } },
      },
    ],
    nonTransferable: 'true',
  };
}

const signer = (id: string, country: string, publicKey: KeyObject): Signer => ({
  kid: id,
  keyId: id,
  country,
  source: 'test-divoc-keys',
  publicKey,
  keyType: publicKey.asymmetricKeyType === 'ed25519' ? 'Ed25519' : 'RSA',
});

function resolver(keys: Record<string, Signer[]>): TrustResolver {
  return resolverOf({ divoc: (id) => keys[id] ?? [] });
}

const at = (trust: TrustResolver, when = '2021-11-01T00:00:00Z'): VerifyContext => ({ trust, at: new Date(when), lang: 'en' });

async function errorOf(p: Promise<unknown>): Promise<{ code: string; detail?: string }> {
  try {
    await p;
    return { code: 'NO_ERROR' };
  } catch (err) {
    if (err instanceof VerificationError) return { code: err.code, ...(err.detail ? { detail: err.detail } : {}) };
    throw err;
  }
}
const codeOf = async (p: Promise<unknown>): Promise<string> => (await errorOf(p)).code;

// Any network access by jsonld (or anything else here) fails the suite.
const fetchSpy = vi.fn(async () => {
  throw new Error('network access attempted during DIVOC verification');
});
const realFetch = globalThis.fetch;

const ed = generateKeyPairSync('ed25519');
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const TRUST = resolver({
  'did:india': [signer('did:india', 'IN', rsa.publicKey)],
  'did:indonesia': [signer('did:indonesia', 'ID', ed.publicKey)],
});

let cowin: Credential;
let indonesia: Credential;

beforeAll(async () => {
  globalThis.fetch = fetchSpy as unknown as typeof fetch;
  cowin = await signDivocCredential(cowinCredential(), rsa.privateKey, 'did:india');
  indonesia = await signDivocCredential(pedulilindungiCredential(), ed.privateKey, 'did:indonesia');
});
afterAll(() => {
  globalThis.fetch = realFetch;
  expect(fetchSpy).not.toHaveBeenCalled();
});

describe.skipIf(!HAVE_VECTORS)('pinned JSON-LD contexts', () => {
  it.each(['W32018CredentialsV1.json', 'DIVOCVaccinationContextV1.json', 'DIVOCVaccinationContextV2.json'])(
    'src/formats/divoc/contexts/%s is byte-identical to the vector copy',
    (name) => {
      const shipped = readFileSync(path.join(ROOT, 'src/formats/divoc/contexts', name));
      expect(shipped.equals(readFileSync(path.join(CONTEXT_VECTORS, name)))).toBe(true);
    },
  );
});

describe('DIVOC detection', () => {
  it('claims B64:, raw ZIP bytes and DIVOC JSON credentials; nothing else', () => {
    expect(divocAdapter.detect(divocQrText(indonesia))).toBe(true);
    expect(divocAdapter.detect(Buffer.from(zipCertificateJson(Buffer.from('{}'))).toString('latin1'))).toBe(true);
    expect(divocAdapter.detect(JSON.stringify(indonesia))).toBe(true);
    expect(divocAdapter.detect('HC1:6BFOXN')).toBe(false);
    expect(divocAdapter.detect('PKZ not a zip')).toBe(false);
    expect(divocAdapter.detect('{"data":{"hdr":{"t":"icao.vacc"}}}')).toBe(false);
    expect(divocAdapter.detect('{"@context":["https://www.w3.org/2018/credentials/v1"]}')).toBe(false);
  });
});

describe('DIVOC verification', () => {
  it('Indian CoWIN shape (RsaSignature2018/PS256, cowin v1, age only) verifies from B64:', async () => {
    const r = await verifyStaged(divocAdapter, divocQrText(cowin), at(TRUST));
    expect(r.failures).toEqual([]);
    expect(r.signer).toEqual({ kid: 'did:india', country: 'IN', algorithm: 'PS256', source: 'test-divoc-keys' });
    expect(r.holder).toEqual({ familyName: 'Bhaskar Rao', familyNameStd: 'BHASKAR<RAO' });
    expect(r.certificate?.evidence).toMatchObject({
      type: 'vaccination',
      product: { code: 'COVISHIELD' },
      manufacturer: { code: 'Serum Institute of India' },
      doseNumber: 2,
      totalDoses: 2,
      date: '2021-07-01',
      country: { code: 'IN' },
      certificateId: '123456789',
    });
    expect(r.display).toMatchObject({ age: '27', gender: 'Male' });
    expect(r.expiresAt).toBeUndefined();
    expect(r.warnings.map((w) => w.code)).toContain('NO_EXPIRY');
    expect(r.issuedAt?.toISOString()).toBe('2021-07-15T17:21:13.117Z');
  });

  it('Indonesian PeduliLindungi shape (Ed25519Signature2018, pedulilindungi v2, dob) verifies from raw ZIP bytes and from JSON', async () => {
    const raw = Buffer.from(readCertificateJsonRoundTrip(indonesia)).toString('latin1');
    for (const text of [raw, JSON.stringify(indonesia)]) {
      const r = await verifyStaged(divocAdapter, text, at(TRUST));
      expect(r.failures).toEqual([]);
      expect(r.signer.algorithm).toBe('EdDSA');
      expect(r.holder).toEqual({ familyName: 'Budi Santoso', familyNameStd: 'BUDI<SANTOSO', dateOfBirth: '1985-04-12' });
      expect(r.certificate?.evidence).toMatchObject({ product: { code: 'Sinovac' }, doseNumber: 2, totalDoses: 2, date: '2021-10-01', country: { code: 'ID' } });
      expect(r.certificate?.issuerCountry).toBe('ID');
      expect(r.warnings.map((w) => w.code)).toContain('NO_EXPIRY');
    }
  });

  it('tampered name → SIGNATURE_INVALID (both suites)', async () => {
    for (const vc of [cowin, indonesia]) {
      const tampered = { ...vc, credentialSubject: { ...(vc.credentialSubject as object), name: 'Someone Else' } };
      expect(await codeOf(verifyStaged(divocAdapter, divocQrText(tampered), at(TRUST)))).toBe('SIGNATURE_INVALID');
    }
  });

  it('tampered dose count → SIGNATURE_INVALID', async () => {
    const ev = (indonesia.evidence as Record<string, unknown>[])[0]!;
    const tampered = { ...indonesia, evidence: [{ ...ev, dose: 3, totalDoses: 3 }] };
    expect(await codeOf(verifyStaged(divocAdapter, divocQrText(tampered), at(TRUST)))).toBe('SIGNATURE_INVALID');
  });

  it('an unknown verificationMethod → KID_UNKNOWN; the right id with another key → SIGNATURE_INVALID', async () => {
    const other = generateKeyPairSync('ed25519');
    const stranger = await signDivocCredential(pedulilindungiCredential(), other.privateKey, 'did:elsewhere');
    expect(await codeOf(verifyStaged(divocAdapter, divocQrText(stranger), at(TRUST)))).toBe('KID_UNKNOWN');
    const impostor = await signDivocCredential(pedulilindungiCredential(), other.privateKey, 'did:indonesia');
    expect(await codeOf(verifyStaged(divocAdapter, divocQrText(impostor), at(TRUST)))).toBe('SIGNATURE_INVALID');
  });

  it('suite/key mismatches → ALGORITHM_UNSUPPORTED', async () => {
    // Ed25519 proof, but the configured key for that id is RSA.
    const edAsIndia = await signDivocCredential(pedulilindungiCredential(), ed.privateKey, 'did:india');
    expect(await codeOf(verifyStaged(divocAdapter, divocQrText(edAsIndia), at(TRUST)))).toBe('ALGORITHM_UNSUPPORTED');
    // proof.type says RsaSignature2018 while the JWS header says EdDSA.
    const swapped = { ...indonesia, proof: { ...(indonesia.proof as object), type: 'RsaSignature2018' } };
    expect(await codeOf(verifyStaged(divocAdapter, divocQrText(swapped), at(TRUST)))).toBe('ALGORITHM_UNSUPPORTED');
    const unknown = { ...indonesia, proof: { ...(indonesia.proof as object), type: 'BbsBlsSignature2020' } };
    expect(await codeOf(verifyStaged(divocAdapter, divocQrText(unknown), at(TRUST)))).toBe('ALGORITHM_UNSUPPORTED');
  });

  it('a term outside the pinned contexts (unsigned data) → SIGNATURE_INVALID (JSON-LD safe mode)', async () => {
    const extra = { ...indonesia, credentialSubject: { ...(indonesia.credentialSubject as object), vaccinatedTwiceMore: true } };
    const err = await errorOf(verifyStaged(divocAdapter, divocQrText(extra), at(TRUST)));
    expect(err.code).toBe('SIGNATURE_INVALID');
    expect(err.detail).toMatch(/canonicalisation failed/);
  });

  it('an unpinned @context is refused without any fetch (CBOR_INVALID)', async () => {
    const ctx = [...(indonesia['@context'] as string[]), 'https://evil.example/context.jsonld'];
    const err = await errorOf(verifyStaged(divocAdapter, divocQrText({ ...indonesia, '@context': ctx }), at(TRUST)));
    expect(err).toEqual({ code: 'CBOR_INVALID', detail: 'JSON-LD context not pinned: https://evil.example/context.jsonld' });
    await expect(pinnedDocumentLoader('https://evil.example/context.jsonld')).rejects.toThrow(/not pinned/);
    // Security v2 (and the v1 it imports) is pinned: the 2018 suites read proof options in it.
    expect((await pinnedDocumentLoader('https://w3id.org/security/v2')).documentUrl).toBe('https://w3id.org/security/v2');
    expect((await pinnedDocumentLoader('https://w3id.org/security/v1')).documentUrl).toBe('https://w3id.org/security/v1');
    expect(fetchSpy).not.toHaveBeenCalled();
  });

  it('regression: evidence effectiveUntil was read as an expiry (real CoWIN/PeduliLindungi came out EXPIRED) → no expiresAt, NO_EXPIRY, still VALID a year on', async () => {
    for (const vc of [cowin, indonesia]) {
      const r = await verifyStaged(divocAdapter, divocQrText(vc), at(TRUST, '2022-12-01T00:00:00Z'));
      expect(r.failures).toEqual([]);
      expect(r.expiresAt).toBeUndefined();
      expect(r.certificate?.expiresAt).toBeUndefined();
      expect(r.warnings.map((w) => w.code)).toContain('NO_EXPIRY');
    }
  });

  it("the VC's own expirationDate before `at` → EXPIRED listed; issuanceDate after `at` + 5 min → NOT_YET_VALID", async () => {
    const expiring = await signDivocCredential({ ...cowinCredential(), expirationDate: '2022-07-01T00:00:00Z' }, rsa.privateKey, 'did:india');
    const late = await verifyStaged(divocAdapter, divocQrText(expiring), at(TRUST, '2022-07-02T00:00:00Z'));
    expect(late.failures.map((f) => f.code)).toEqual(['EXPIRED']);
    expect(late.expiresAt?.toISOString()).toBe('2022-07-01T00:00:00.000Z');
    const early = await verifyStaged(divocAdapter, divocQrText(cowin), at(TRUST, '2021-07-15T17:00:00Z'));
    expect(early.failures.map((f) => f.code)).toEqual(['NOT_YET_VALID']);
  });

  it('an issuer key outside its validity → SIGNER_NOT_VALID listed', async () => {
    const bounded = resolver({ 'did:indonesia': [{ ...signer('did:indonesia', 'ID', ed.publicKey), notAfter: new Date('2021-10-31T00:00:00Z') }] });
    const r = await verifyStaged(divocAdapter, divocQrText(indonesia), at(bounded));
    expect(r.failures.map((f) => f.code)).toEqual(['SIGNER_NOT_VALID']);
  });

  it('a signed credential without dose numbers → SCHEMA_INVALID listed, no certificate', async () => {
    const base = pedulilindungiCredential();
    const { dose: _d, totalDoses: _t, ...ev } = (base.evidence as Record<string, unknown>[])[0]!;
    const signed = await signDivocCredential({ ...base, evidence: [ev] }, ed.privateKey, 'did:indonesia');
    const r = await verifyStaged(divocAdapter, divocQrText(signed), at(TRUST));
    expect(r.failures.map((f) => f.code)).toEqual(['SCHEMA_INVALID']);
    expect(r.certificate).toBeUndefined();
  });

  it('malformed: B64: not base64 → DECOMPRESSION_FAILED; a ZIP without certificate.json → DECOMPRESSION_FAILED; not a VC → CBOR_INVALID', async () => {
    expect(await codeOf(verifyStaged(divocAdapter, 'B64:***', at(TRUST)))).toBe('DECOMPRESSION_FAILED');
    const wrongName = `B64:${Buffer.from(zipCertificateJson(Buffer.from(JSON.stringify(indonesia)), 'other.json')).toString('base64')}`;
    expect(await codeOf(verifyStaged(divocAdapter, wrongName, at(TRUST)))).toBe('DECOMPRESSION_FAILED');
    const notVc = `B64:${Buffer.from(zipCertificateJson(Buffer.from('{"a":1}'))).toString('base64')}`;
    expect(await codeOf(verifyStaged(divocAdapter, notVc, at(TRUST)))).toBe('CBOR_INVALID');
  });
});

/** The raw ZIP bytes of a credential, checked to read back. */
function readCertificateJsonRoundTrip(vc: Credential): Uint8Array {
  const zip = zipCertificateJson(new TextEncoder().encode(JSON.stringify(vc)));
  expect(JSON.parse(new TextDecoder().decode(readCertificateJson(zip)))).toEqual(vc);
  return zip;
}

describe('DIVOC ZIP bounds (zip bombs)', () => {
  /** A one-entry archive whose headers declare `declared` bytes for a payload of `actual` bytes. */
  function bomb(actual: number, declared: number, entries = 1): string {
    const data = deflateRawSync(Buffer.alloc(actual));
    const name = Buffer.from('certificate.json');
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(declared, 22);
    local.writeUInt16LE(name.length, 26);
    const cen = Buffer.alloc(46);
    cen.writeUInt32LE(0x02014b50, 0);
    cen.writeUInt16LE(8, 10);
    cen.writeUInt32LE(data.length, 20);
    cen.writeUInt32LE(declared, 24);
    cen.writeUInt16LE(name.length, 28);
    const eocd = Buffer.alloc(22);
    eocd.writeUInt32LE(0x06054b50, 0);
    eocd.writeUInt16LE(entries, 8);
    eocd.writeUInt16LE(entries, 10);
    eocd.writeUInt32LE(cen.length + name.length, 12);
    eocd.writeUInt32LE(local.length + name.length + data.length, 16);
    return `B64:${Buffer.concat([local, name, data, cen, name, eocd]).toString('base64')}`;
  }

  it('an entry that inflates past the cap while declaring a small size → PAYLOAD_TOO_LARGE', async () => {
    expect(await codeOf(verifyStaged(divocAdapter, bomb(4 * 1024 * 1024, 2000), at(TRUST)))).toBe('PAYLOAD_TOO_LARGE');
  });

  it('an entry declaring a multi-GB (ZIP64 0xFFFFFFFF) or 4 MB size → PAYLOAD_TOO_LARGE before inflating', async () => {
    expect(await codeOf(verifyStaged(divocAdapter, bomb(10, 0xffffffff), at(TRUST)))).toBe('PAYLOAD_TOO_LARGE');
    expect(await codeOf(verifyStaged(divocAdapter, bomb(4 * 1024 * 1024, 4 * 1024 * 1024), at(TRUST)))).toBe('PAYLOAD_TOO_LARGE');
  });

  it('an archive listing thousands of entries → PAYLOAD_TOO_LARGE; one over 16 KB → PAYLOAD_TOO_LARGE', async () => {
    expect(await codeOf(verifyStaged(divocAdapter, bomb(10, 10, 5000), at(TRUST)))).toBe('PAYLOAD_TOO_LARGE');
    expect(await codeOf(verifyStaged(divocAdapter, `B64:${Buffer.alloc(20 * 1024, 1).toString('base64')}`, at(TRUST)))).toBe('PAYLOAD_TOO_LARGE');
  });

  it('a declared size that differs from the inflated size → DECOMPRESSION_FAILED', async () => {
    expect(await codeOf(verifyStaged(divocAdapter, bomb(100, 50), at(TRUST)))).toBe('DECOMPRESSION_FAILED');
  });
});
