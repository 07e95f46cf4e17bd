// DIVOC interoperability: credentials that the project did NOT sign.
//
// Who made the fixtures, and why:
// - The CoWIN-shaped credential (RsaSignature2018, verificationMethod `did:india`) and the
//   PeduliLindungi-shaped one (Ed25519Signature2018, `did:indonesia`) are signed in this file by
//   npm `jsonld-signatures` 6.0.0 with `crypto-ld` 3.9 key pairs (RSAKeyPair, Ed25519KeyPair): the
//   libraries egovernments/DIVOC's certificate signer uses (backend/certificate_signer/package.json
//   "jsonld-signatures": "^6.0.0"; signer.js `jsigs.sign(..., {suite: new RsaSignature2018({key}),
//   purpose: new AssertionProofPurpose(...), compactProof: false})`). jsonld-signatures 6 brings its
//   own jsonld 2 / rdf-canonize, so neither the canonicaliser nor the proof recipe is ours.
// - Its documentLoader serves the contexts DIVOC signs with, offline, from their npm packages:
//   `security-context` 4 (security v1/v2, as signer.js loads them), `credentials-context` 1 (VC v1)
//   and DIVOC's own `vaccination-context` 1.1 (vaccination v1 for CoWIN, v2 for PeduliLindungi) —
//   not the copies this service pins.
// - Shapes follow DIVOC's repository (signer.js transformW3, tests/signer.test.js): evidence with
//   effectiveStart = effectiveUntil = the vaccination date, issuanceDate weeks later.
// - The "old wrong way" fixture is also signed by jsonld-signatures 6 (RsaSignature2018), with a
//   suite subclass whose only change is reading the proof options in the credential's @context (the
//   bug this service had, issue #10 item 2): it must be refused. (For Ed25519Signature2018 the VC
//   context's scoped suite context happens to give the same proof-option quads as security v2 —
//   which is why the real PeduliLindungi credential failed only on expiry.)
// The project's own proof code (scripts/demo/sign-divoc.ts) is used nowhere in this file.
// Verification goes through the service's DIVOC adapter with the issuer keys parsed by the
// `divoc-keys` trust source, as configured keys reach it in production.
import { generateKeyPairSync, createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { divocAdapter, readCertificateJson, zipCertificateJson } from '../../../src/formats/divoc/index.js';
import { verifyText } from '../../../src/pipeline/verify.js';
import { parseDivocKeys } from '../../../src/trust/sources/divoc-keys.js';
import type { Signer, TrustResolver } from '../../../src/trust/types.js';

const require = createRequire(import.meta.url);
/* eslint-disable @typescript-eslint/no-explicit-any */
const jsigs: any = require('jsonld-signatures');
const { RSAKeyPair, Ed25519KeyPair }: any = require('crypto-ld');
const securityContext: any = require('security-context');
const credentialsContext: any = require('credentials-context');
const { vaccinationContext, vaccinationContextV2 }: any = require('vaccination-context');

const ROOT = path.resolve(fileURLToPath(new URL('../../..', import.meta.url)));
type Credential = Record<string, unknown>;

const COWIN_V1 = 'https://cowin.gov.in/credentials/vaccination/v1';
const PEDULI_V2 = 'https://www.pedulilindungi.id/credentials/vaccination/v2';

/** The signer's loader: DIVOC's contexts from their npm packages; nothing else, never the network. */
const SIGNER_CONTEXTS: Record<string, unknown> = {
  'https://w3id.org/security/v1': securityContext.contexts.get('https://w3id.org/security/v1'),
  'https://w3id.org/security/v2': securityContext.contexts.get('https://w3id.org/security/v2'),
  'https://www.w3.org/2018/credentials/v1': credentialsContext.contexts.get('https://www.w3.org/2018/credentials/v1'),
  [COWIN_V1]: vaccinationContext,
  [PEDULI_V2]: vaccinationContextV2,
};
async function signerLoader(url: string) {
  const document = SIGNER_CONTEXTS[url];
  if (document === undefined) throw new Error(`fixture loader: no ${url}`);
  return { contextUrl: null, documentUrl: url, document };
}

function cowinCredential(): Credential {
  return {
    '@context': ['https://www.w3.org/2018/credentials/v1', COWIN_V1],
    type: ['VerifiableCredential', 'ProofOfVaccinationCredential'],
    credentialSubject: {
      type: 'Person',
      id: 'did:in.gov.uidai.aadhaar:2342343334',
      refId: '12346',
      name: 'Bhaya Mitra',
      gender: 'Male',
      age: '27',
      nationality: 'Indian',
      address: { streetAddress: '', streetAddress2: '', district: '', city: '', addressRegion: '', addressCountry: 'IN', postalCode: '' },
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
        date: '2021-06-02T05:30:00.000Z',
        effectiveStart: '2021-06-02',
        effectiveUntil: '2021-06-02',
        dose: 2,
        totalDoses: 2,
        verifier: { name: 'Sooraj Singh' },
        facility: {
          name: 'ABC Medical Center',
          address: { streetAddress: '123, Koramangala', streetAddress2: '', district: 'Bengaluru South', city: 'Bengaluru', addressRegion: 'Karnataka', addressCountry: 'IN', postalCode: '560034' },
        },
      },
    ],
    nonTransferable: 'true',
  };
}

function pedulilindungiCredential(): Credential {
  return {
    '@context': ['https://www.w3.org/2018/credentials/v1', PEDULI_V2],
    type: ['VerifiableCredential', 'ProofOfVaccinationCredential'],
    credentialSubject: {
      type: 'Person',
      id: 'did:nik:3171000000000000',
      refId: '3171000000000000',
      name: 'Budi Santoso',
      gender: 'Male',
      dob: '1985-04-12',
      nationality: 'Indonesia',
      address: { streetAddress: '', streetAddress2: '', district: 'Jakarta Pusat', city: 'Jakarta', addressRegion: 'DKI Jakarta', addressCountry: 'ID', postalCode: '' },
    },
    issuer: 'https://www.pedulilindungi.id/',
    issuanceDate: '2021-10-20T03:00:00.000Z',
    evidence: [
      {
        id: 'https://www.pedulilindungi.id/vaccine/987654',
        feedbackUrl: 'https://www.pedulilindungi.id/?987654',
        infoUrl: 'https://www.pedulilindungi.id/?987654',
        certificateId: '987654',
        type: ['Vaccination'],
        batch: 'J202108001',
        vaccine: 'Sinovac',
        manufacturer: 'Sinovac Life Sciences',
        icd11Code: 'XM7HT3',
        prophylaxis: 'COVID-19 vaccine, inactivated virus',
        date: '2021-08-01T02:00:00.000Z',
        effectiveStart: '2021-08-01',
        effectiveUntil: '2021-08-01',
        dose: 2,
        totalDoses: 2,
        verifier: { name: 'dr. Sari' },
        facility: { name: 'Puskesmas Menteng', address: { streetAddress: '', district: 'Menteng', city: 'Jakarta', addressRegion: 'DKI Jakarta', addressCountry: 'ID', postalCode: '' } },
      },
    ],
    nonTransferable: 'true',
  };
}

/** jsonld-signatures 6 as signer.js calls it; `date` pins proof.created (DIVOC takes the clock). */
async function jsigsSign(credential: Credential, suite: any): Promise<Credential> {
  const controller = { '@context': jsigs.SECURITY_CONTEXT_URL, id: 'https://example.com/issuer', assertionMethod: [suite.verificationMethod] };
  return jsigs.sign(structuredClone(credential), {
    documentLoader: signerLoader,
    suite,
    purpose: new jsigs.purposes.AssertionProofPurpose({ controller }),
    compactProof: false,
  });
}

/** The defect this service had: proof options read in the credential's @context. */
const RsaSignature2018: new (opts: Record<string, unknown>) => any = jsigs.suites.RsaSignature2018;
class ProofOptionsInDocumentContext extends RsaSignature2018 {
  async createVerifyData(args: { document: Credential; proof: Credential }) {
    const { '@context': _security, ...options } = args.proof;
    return super.createVerifyData({ ...args, proof: { '@context': args.document['@context'], ...options } });
  }
}

const BASE58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
function base58(bytes: Uint8Array): string {
  let n = BigInt(`0x${Buffer.from(bytes).toString('hex') || '0'}`);
  let out = '';
  while (n > 0n) {
    out = BASE58[Number(n % 58n)] + out;
    n /= 58n;
  }
  for (const b of bytes) {
    if (b !== 0) break;
    out = `1${out}`;
  }
  return out;
}

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const rsaPublicPem = rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString();
const ed = generateKeyPairSync('ed25519');
const edPublicPem = ed.publicKey.export({ type: 'spki', format: 'pem' }).toString();
// crypto-ld 3 Ed25519 keys are base58: public = the 32 raw bytes, private = seed ‖ public (NaCl).
const edRawPublic = Buffer.from(ed.publicKey.export({ format: 'jwk' }).x!, 'base64url');
const edSeed = Buffer.from(ed.privateKey.export({ format: 'jwk' }).d!, 'base64url');

const rsaKey = () =>
  new RSAKeyPair({ id: 'did:india', controller: 'https://example.com/issuer', type: 'RsaVerificationKey2018', publicKeyPem: rsaPublicPem, privateKeyPem: rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() });
const edKey = () =>
  new Ed25519KeyPair({
    id: 'did:indonesia',
    controller: 'https://example.com/issuer',
    publicKeyBase58: base58(edRawPublic),
    privateKeyBase58: base58(Buffer.concat([edSeed, edRawPublic])),
  });

/** The issuer keys as the `divoc-keys` trust source gives them to the service. */
let trust: TrustResolver;
let cowin: Credential;
let indonesia: Credential;
let oldWay: Credential;

beforeAll(async () => {
  const file = { issuers: [{ id: 'did:india', country: 'IN', publicKeyPem: rsaPublicPem }, { id: 'did:indonesia', country: 'ID', publicKeyPem: edPublicPem }] };
  const parsed = await parseDivocKeys({ def: { id: 'interop-divoc', type: 'divoc-keys', file: 'x' } as never, bytes: Buffer.from(JSON.stringify(file)), origin: 'file' });
  expect(parsed.dropped).toEqual([]);
  const byId = (id: string): readonly Signer[] => parsed.signers.filter((s) => s.keyId === id);
  trust = {
    dcc: () => [],
    shc: () => [],
    csca: () => [],
    divoc: byId,
    revocation: () => ({ revoked: false, data: 'none' }),
    sourceStale: () => false,
  } as unknown as TrustResolver;

  const created = (vc: Credential) => new Date(vc.issuanceDate as string);
  cowin = await jsigsSign(cowinCredential(), new jsigs.suites.RsaSignature2018({ key: rsaKey(), date: created(cowinCredential()) }));
  indonesia = await jsigsSign(pedulilindungiCredential(), new jsigs.suites.Ed25519Signature2018({ key: edKey(), date: created(pedulilindungiCredential()) }));
  oldWay = await jsigsSign(cowinCredential(), new ProofOptionsInDocumentContext({ key: rsaKey(), date: created(cowinCredential()) }));
}, 60_000);

// --- the verdict ------------------------------------------------------------------------------

interface Verdict {
  outcome: 'VALID' | 'INVALID';
  errors: string[];
  warnings: string[];
  expiresAt?: Date;
}

const AT = new Date('2021-11-01T00:00:00Z');

/** The service's verdict on `text`: the pipeline (detect → stages → shared checks → report). */
async function verdictOf(text: string, at = AT): Promise<Verdict> {
  const { report } = await verifyText(text, { at, lang: 'en' }, {
    adapters: [divocAdapter as never],
    trust: () => trust,
    domestic: () => ({ status: 'GREEN', reasons: [], reasonTexts: [], validUntil: null, policy: 'interop@1' }) as never,
    policyRef: () => 'interop@1',
  });
  const r = report as unknown as { outcome: string; errors: { code: string }[]; warnings: { code: string }[]; expiresAt?: string };
  return {
    outcome: r.outcome === 'VALID' ? 'VALID' : 'INVALID',
    errors: r.errors.map((e) => e.code),
    warnings: r.warnings.map((w) => w.code),
    ...(r.expiresAt ? { expiresAt: new Date(r.expiresAt) } : {}),
  };
}

/** The transports a DIVOC QR carries (decode.ts): `B64:` + base64(ZIP), the raw ZIP bytes as Latin-1, the JSON itself. */
function transports(vc: Credential): Record<string, string> {
  const zip = zipCertificateJson(new TextEncoder().encode(JSON.stringify(vc)));
  expect(JSON.parse(new TextDecoder().decode(readCertificateJson(zip)))).toEqual(vc);
  return { 'B64: ZIP': `B64:${Buffer.from(zip).toString('base64')}`, 'raw ZIP bytes': Buffer.from(zip).toString('latin1'), JSON: JSON.stringify(vc) };
}

describe('fixtures made by jsonld-signatures 6 (sanity: the library accepts its own output)', () => {
  it.each([
    ['CoWIN', () => cowin, () => new jsigs.suites.RsaSignature2018({ key: new RSAKeyPair({ id: 'did:india', controller: 'https://example.com/issuer', publicKeyPem: rsaPublicPem }) })],
    ['PeduliLindungi', () => indonesia, () => new jsigs.suites.Ed25519Signature2018({ key: new Ed25519KeyPair({ id: 'did:indonesia', controller: 'https://example.com/issuer', publicKeyBase58: base58(edRawPublic) }) })],
  ])('%s credential verifies with jsonld-signatures 6 and carries a 2018-suite proof', async (_name, vc, suite) => {
    const signed = vc();
    const proof = signed.proof as Record<string, unknown>;
    expect(proof.proofPurpose).toBe('assertionMethod');
    expect(proof['@context']).toBeUndefined();
    const s = suite();
    const controller = { '@context': jsigs.SECURITY_CONTEXT_URL, id: 'https://example.com/issuer', assertionMethod: [s.verificationMethod] };
    const result = await jsigs.verify(structuredClone(signed), {
      documentLoader: signerLoader,
      suite: s,
      purpose: new jsigs.purposes.AssertionProofPurpose({ controller }),
      compactProof: false,
    });
    expect(result.verified).toBe(true);
  });
});

describe('the service verifies what DIVOC signs', () => {
  it.each(['B64: ZIP', 'raw ZIP bytes', 'JSON'])('CoWIN RsaSignature2018 (did:india) as %s → VALID, NO_EXPIRY, no expiresAt', async (transport) => {
    const v = await verdictOf(transports(cowin)[transport]!);
    expect(v).toMatchObject({ outcome: 'VALID', errors: [] });
    expect(v.warnings).toContain('NO_EXPIRY');
    expect(v.expiresAt).toBeUndefined();
    expect((cowin.proof as Record<string, unknown>).type).toBe('RsaSignature2018');
  });

  it.each(['B64: ZIP', 'raw ZIP bytes', 'JSON'])('PeduliLindungi Ed25519Signature2018 (did:indonesia) as %s → VALID, NO_EXPIRY, no expiresAt', async (transport) => {
    const v = await verdictOf(transports(indonesia)[transport]!);
    expect(v).toMatchObject({ outcome: 'VALID', errors: [] });
    expect(v.warnings).toContain('NO_EXPIRY');
    expect(v.expiresAt).toBeUndefined();
    expect((indonesia.proof as Record<string, unknown>).type).toBe('Ed25519Signature2018');
  });

  it('regression: effectiveUntil (= the vaccination date) was read as an expiry → both real shapes VALID a year later', async () => {
    for (const vc of [cowin, indonesia]) {
      expect(await verdictOf(transports(vc)['B64: ZIP']!, new Date('2022-12-01T00:00:00Z'))).toMatchObject({ outcome: 'VALID', errors: [] });
    }
  });

  it('the jsonld-signatures credential with one altered dose → SIGNATURE_INVALID', async () => {
    const ev = (cowin.evidence as Credential[])[0]!;
    const altered = { ...cowin, evidence: [{ ...ev, dose: 3, totalDoses: 3 }] };
    expect(await verdictOf(transports(altered)['B64: ZIP']!)).toMatchObject({ outcome: 'INVALID', errors: ['SIGNATURE_INVALID'] });
  });

  it('regression: proof options canonicalised in the credential context (the old recipe) → SIGNATURE_INVALID', async () => {
    expect((oldWay.proof as Record<string, unknown>).jws).not.toBe((cowin.proof as Record<string, unknown>).jws);
    for (const text of Object.values(transports(oldWay))) {
      expect(await verdictOf(text)).toMatchObject({ outcome: 'INVALID', errors: ['SIGNATURE_INVALID'] });
    }
  });
});

describe('security v2 is pinned from its registry package', () => {
  it.each([
    ['SecurityV2.json', 'security-v2.jsonld'],
    ['SecurityV1.json', 'security-v1.jsonld'],
  ])('src/formats/divoc/contexts/%s is byte-identical to security-context/contexts/%s', (ours, theirs) => {
    const shipped = readFileSync(path.join(ROOT, 'src/formats/divoc/contexts', ours));
    const pkg = readFileSync(path.join(path.dirname(require.resolve('security-context/package.json')), 'contexts', theirs));
    expect(shipped.equals(pkg)).toBe(true);
  });

  it('the issuer key is an Ed25519 / RSA public key as divoc-keys parses it', () => {
    expect(createPublicKey(edPublicPem).asymmetricKeyType).toBe('ed25519');
    expect(createPublicKey(rsaPublicPem).asymmetricKeyDetails?.modulusLength).toBe(2048);
  });
});
