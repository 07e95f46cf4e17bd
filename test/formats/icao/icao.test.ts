// ICAO VDS-NC adapter against the Australian passport office vectors (apo-android) and
// seals this test signs itself with its own CSCA/BSC/CRL.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateKeyPairSync, KeyObject, X509Certificate, webcrypto } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { VerificationError } from '../../../src/errors.js';
import { crlRevocation, crlSignedBy } from '../../../src/trust/crl.js';
import { icaoAdapter, parseSeal, toAlpha2, VDS_NC_EKU } from '../../../src/formats/icao/index.js';
import { parseBsc } from '../../../src/formats/icao/chain.js';
import { signVdsNc, type VdsNcData } from '../../../scripts/demo/sign-icao.js';
import type { Signer, TrustResolver } from '../../../src/trust/types.js';
import { x509 } from '../../../src/trust/x509.js';
import { resolverOf, verifyStaged, type StageContext as VerifyContext } from '../../helpers/stages.js';

const ROOT = path.resolve(fileURLToPath(new URL('../../..', import.meta.url)));
const VECTORS = path.resolve(ROOT, '../shared/vectors/icao-vds-nc/apo-android');
const HAVE_VECTORS = existsSync(VECTORS);
if (!HAVE_VECTORS) console.warn(`ICAO VDS-NC vectors missing at ${VECTORS}: vector tests skipped`);

const vector = (name: string) => readFileSync(path.join(VECTORS, name), 'utf8');
const derOf = (name: string) => new Uint8Array(Buffer.from(vector(name).trim(), 'base64'));

function signerFromDer(der: Uint8Array, source = 'test-csca'): Signer {
  const cert = new X509Certificate(der);
  const country = /(?:^|\n)C=([A-Z]{2})/.exec(cert.subject)?.[1] ?? '??';
  return {
    kid: 'n/a',
    country,
    source,
    publicKey: cert.publicKey,
    keyType: cert.publicKey.asymmetricKeyType === 'rsa' ? 'RSA' : 'EC-P256',
    notBefore: new Date(cert.validFrom),
    notAfter: new Date(cert.validTo),
    subject: cert.subject.replace(/\n/g, ', '),
    certificateDer: der,
  };
}

/**
 * CSCAs by country and, optionally, CRLs offered the way the trust store files them: a CRL counts
 * for the CSCA whose subject is its issuer and whose key signed it (trust/sources/icao-csca.ts).
 */
function resolver(cscas: Record<string, Signer[]>, crls: readonly Uint8Array[] = []): TrustResolver {
  return resolverOf({
    csca: (c) => cscas[c] ?? [],
    revocation: (keys, at) => {
      if (keys.kind !== 'x509-crl') return { data: false };
      const mine = crls.filter((der) => {
        const crl = new x509.X509Crl(Uint8Array.from(der));
        return normalise(crl.issuer) === normalise(keys.issuer.subject ?? '') && crlSignedBy(der, crl, keys.issuer);
      });
      return crlRevocation(mine, keys.serialNumber, at, 'test-crl');
    },
  });
}

const normalise = (dn: string) => dn.split(/,\s*|\n/).map((p) => p.trim().toLowerCase()).sort().join('|');

const ctxAt = (trust: TrustResolver, at: string): VerifyContext => ({ trust, at: new Date(at), lang: 'en' });

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'NO_ERROR';
  } catch (err) {
    if (err instanceof VerificationError) return err.code;
    throw err;
  }
}

describe('toAlpha2', () => {
  it('maps Doc 9303 codes to ISO alpha-2', () => {
    expect(toAlpha2('AUS')).toBe('AU');
    expect(toAlpha2('IDN')).toBe('ID');
    expect(toAlpha2('D<<')).toBe('DE');
    expect(toAlpha2('JP')).toBe('JP');
    expect(toAlpha2('XYZ')).toBeUndefined();
  });
});

describe.skipIf(!HAVE_VECTORS)('ICAO VDS-NC apo-android vectors', () => {
  const AT = '2022-01-15T00:00:00Z';
  let au: Signer;
  let auProto: Signer;
  let jp: Signer;
  beforeAll(() => {
    au = signerFromDer(derOf('csca-AU.der.b64'));
    auProto = signerFromDer(derOf('csca-AU-proto.der.b64'));
    jp = signerFromDer(derOf('csca-JP.der.b64'));
  });

  it('detect: valid and tampered seals are ICAO_VDS; non-vds.json is not (pipeline → UNSUPPORTED_FORMAT)', () => {
    expect(icaoAdapter.detect(vector('valid.json'))).toBe(true);
    expect(icaoAdapter.detect(vector('invalid-name-tampered.json'))).toBe(true);
    expect(icaoAdapter.detect(vector('non-vds.json'))).toBe(false);
    expect(icaoAdapter.detect('HC1:6BFOXN')).toBe(false);
    expect(icaoAdapter.detect('{"data":{"hdr":{"t":"icao.visa","v":1,"is":"AUS"}}}')).toBe(false);
    expect(icaoAdapter.detect('{"icao": broken')).toBe(false);
  });

  it('valid.json verifies with the AU CSCA listed under alpha-2 "AU" and maps the latest dose', async () => {
    const r = await verifyStaged(icaoAdapter, vector('valid.json'), ctxAt(resolver({ AU: [au] }), AT));
    expect(r.failures).toEqual([]);
    expect(r.signer).toMatchObject({ country: 'AU', algorithm: 'ES256', source: 'test-csca' });
    expect(r.signer.subject).toContain('CN=DFAT');
    expect(r.holder).toEqual({ familyName: 'CITIZEN', familyNameStd: 'CITIZEN', givenName: 'JOHN', givenNameStd: 'JOHN', dateOfBirth: '2004-03-20' });
    expect(r.certificate?.format).toBe('ICAO_VDS');
    expect(r.certificate?.issuerCountry).toBe('AU');
    expect(r.certificate?.evidence).toMatchObject({
      type: 'vaccination',
      product: { code: 'ICD11:XM68M6', display: 'Moderna Spikevax' },
      doseNumber: 2,
      totalDoses: 2,
      date: '2021-10-03',
      country: { code: 'AU' },
      disease: { code: '840539006' },
      certificateId: 'VB0009990025',
    });
    expect(r.warnings.map((w) => w.code)).toContain('NO_EXPIRY');
    expect(r.checks.filter((c) => !c.passed)).toEqual([]);
  });

  it('valid.json verifies when the store lists the CSCA under alpha-3 "AUS"', async () => {
    const r = await verifyStaged(icaoAdapter, vector('valid.json'), ctxAt(resolver({ AUS: [au] }), AT));
    expect(r.failures).toEqual([]);
  });

  it('valid.json still verifies after re-serialising with other key order and whitespace (RFC 8785)', async () => {
    const doc = JSON.parse(vector('valid.json')) as { data: { hdr: Record<string, unknown>; msg: Record<string, unknown> }; sig: unknown };
    const reordered = { sig: doc.sig, data: { msg: doc.data.msg, hdr: Object.fromEntries(Object.entries(doc.data.hdr).reverse()) } };
    const r = await verifyStaged(icaoAdapter, JSON.stringify(reordered, null, 1), ctxAt(resolver({ AU: [au] }), AT));
    expect(r.failures).toEqual([]);
  });

  it('invalid-name-tampered.json → SIGNATURE_INVALID', async () => {
    expect(await codeOf(verifyStaged(icaoAdapter, vector('invalid-name-tampered.json'), ctxAt(resolver({ AU: [au] }), AT)))).toBe('SIGNATURE_INVALID');
  });

  it('no CSCA for the state, or only another CA (AU TEST CSCA, JP CSCA) → KID_UNKNOWN', async () => {
    const text = vector('valid.json');
    expect(await codeOf(verifyStaged(icaoAdapter, text, ctxAt(resolver({}), AT)))).toBe('KID_UNKNOWN');
    expect(await codeOf(verifyStaged(icaoAdapter, text, ctxAt(resolver({ AU: [auProto] }), AT)))).toBe('KID_UNKNOWN');
    expect(await codeOf(verifyStaged(icaoAdapter, text, ctxAt(resolver({ AU: [jp] }), AT)))).toBe('KID_UNKNOWN');
  });

  it('a CSCA rollover list is searched: the right CSCA among others verifies', async () => {
    const r = await verifyStaged(icaoAdapter, vector('valid.json'), ctxAt(resolver({ AU: [auProto, au] }), AT));
    expect(r.failures).toEqual([]);
  });

  it('a BSC is parsed once per distinct DER, and its CSCA verdict is kept per signer, never per name or certificate', async () => {
    const text = vector('valid.json');
    const der = parseSeal(text).certificateDer;
    const bsc = parseBsc(der);
    expect(parseBsc(Uint8Array.from(der))).toBe(bsc);
    expect(parseBsc(derOf('csca-AU.der.b64'))).not.toBe(bsc);
    expect(() => parseBsc(der.subarray(1))).toThrow(VerificationError);
    // The AU CSCA's own certificate with another key: what a forged trust entry would be.
    const forged: Signer = { ...au, publicKey: generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey };
    expect((await verifyStaged(icaoAdapter, text, ctxAt(resolver({ AU: [au] }), AT))).failures).toEqual([]);
    expect(await codeOf(verifyStaged(icaoAdapter, text, ctxAt(resolver({ AU: [forged] }), AT)))).toBe('SIGNATURE_INVALID');
    expect((await verifyStaged(icaoAdapter, text, ctxAt(resolver({ AU: [au] }), AT))).failures).toEqual([]);
  });

  it('after the BSC expired (2031-09-30) → SIGNER_NOT_VALID listed, signature still checked', async () => {
    const r = await verifyStaged(icaoAdapter, vector('valid.json'), ctxAt(resolver({ AU: [au] }), '2032-01-01T00:00:00Z'));
    expect(r.failures.map((f) => f.code)).toEqual(['SIGNER_NOT_VALID']);
  });

  describe('CRL vectors', () => {
    it('crl-AU-without-serial and crl-AU-with-serial-placeholder are the same CRL (byte-identical)', () => {
      expect(Buffer.from(derOf('crl-AU-without-serial.der.b64')).equals(Buffer.from(derOf('crl-AU-with-serial-placeholder.der.b64')))).toBe(true);
    });

    it('the AU CRL is signed by csca-AU and lists no serials: valid.json stays valid, revocation check passes', async () => {
      const crl = derOf('crl-AU-without-serial.der.b64');
      const r = await verifyStaged(icaoAdapter, vector('valid.json'), ctxAt(resolver({ AU: [au] }, [crl]), '2021-09-15T00:00:00Z'));
      expect(r.failures).toEqual([]);
      expect(r.checks).toContainEqual({ name: 'revocation', passed: true });
      expect(r.warnings.map((w) => w.code)).not.toContain('CRL_OUTDATED');
    });

    it('the AU CRL past its nextUpdate (2021-11-17) is still read, with CRL_OUTDATED', async () => {
      const crl = derOf('crl-AU-without-serial.der.b64');
      const r = await verifyStaged(icaoAdapter, vector('valid.json'), ctxAt(resolver({ AU: [au] }, [crl]), AT));
      expect(r.failures).toEqual([]);
      expect(r.warnings.map((w) => w.code)).toContain('CRL_OUTDATED');
    });

    it('crl-AU-proto belongs to the AU TEST CSCA: signed by csca-AU-proto, not by csca-AU', () => {
      const der = derOf('crl-AU-proto.der.b64');
      const crl = new x509.X509Crl(der);
      expect(crlSignedBy(der, crl, au)).toBe(false);
      expect(crlSignedBy(der, crl, auProto)).toBe(true);
    });

    it('crl-JP (ECDSA SHA-384) is signed by csca-JP, not by the AU CSCA', () => {
      const der = derOf('crl-JP.der.b64');
      const crl = new x509.X509Crl(der);
      expect(crlSignedBy(der, crl, jp)).toBe(true);
      expect(crlSignedBy(der, crl, au)).toBe(false);
    });

    it('without any CRL of the CSCA, revocation is not applicable (NO_REVOCATION_DATA), never a silent pass', async () => {
      const r = await verifyStaged(icaoAdapter, vector('valid.json'), ctxAt(resolver({ AU: [au] }), '2021-09-15T00:00:00Z'));
      expect(r.checks).toContainEqual({ name: 'revocation', passed: true, applies: false, reason: 'NO_REVOCATION_DATA' });
    });
  });
});

// --- seals signed by this test's own PKI -------------------------------------------------

type Keys = webcrypto.CryptoKeyPair;
const EC = (namedCurve: string) => ({ name: 'ECDSA', namedCurve });

async function makePki(opts: { bscCurve?: string; eku?: string[]; serial?: string } = {}) {
  const cscaKeys = (await webcrypto.subtle.generateKey(EC('P-384'), true, ['sign', 'verify'])) as Keys;
  const cscaName = 'C=UT, O=Test State (not real), CN=Test CSCA';
  const csca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '0a',
    name: cscaName,
    notBefore: new Date('2020-01-01T00:00:00Z'),
    notAfter: new Date('2035-01-01T00:00:00Z'),
    keys: cscaKeys,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-384' },
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(cscaKeys.publicKey),
    ],
  });
  const bscKeys = (await webcrypto.subtle.generateKey(EC(opts.bscCurve ?? 'P-256'), true, ['sign', 'verify'])) as Keys;
  const bsc = await x509.X509CertificateGenerator.create({
    serialNumber: opts.serial ?? '1001',
    subject: 'C=UT, CN=Test BSC',
    issuer: csca.subject,
    notBefore: new Date('2021-01-01T00:00:00Z'),
    notAfter: new Date('2030-01-01T00:00:00Z'),
    publicKey: bscKeys.publicKey,
    signingKey: cscaKeys.privateKey,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-384' },
    extensions: [
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      await x509.AuthorityKeyIdentifierExtension.create(cscaKeys.publicKey),
      new x509.ExtendedKeyUsageExtension(opts.eku ?? [VDS_NC_EKU], true),
    ],
  });
  const crl = async (serials: string[], nextUpdate = new Date('2029-01-01T00:00:00Z')) =>
    new Uint8Array(
      (
        await x509.X509CrlGenerator.create({
          issuer: csca.subject,
          thisUpdate: new Date('2021-06-01T00:00:00Z'),
          nextUpdate,
          entries: serials.map((serialNumber) => ({ serialNumber, revocationDate: new Date('2021-06-01T00:00:00Z') })),
          signingKey: cscaKeys.privateKey,
          signingAlgorithm: { name: 'ECDSA', hash: 'SHA-384' },
        })
      ).rawData,
    );
  return {
    cscaSigner: signerFromDer(new Uint8Array(csca.rawData), 'own-csca'),
    bscDer: new Uint8Array(bsc.rawData),
    bscKey: KeyObject.from(bscKeys.privateKey),
    crl,
  };
}

const VACC: VdsNcData = {
  hdr: { t: 'icao.vacc', v: 1, is: 'UTO' },
  msg: {
    uvci: 'U32870',
    pid: { n: 'Smith  Bill Jr', dob: '1990-01-02', sex: 'M', i: 'A1234567Z' },
    ve: [{ des: 'XM97T2', nam: 'Covishield', dis: 'RA01.0', vd: [{ dvc: '2021-03-03', seq: 1, ctr: 'UTO', adm: 'Clinic', lot: 'VC1' }, { dvc: '2021-06-03', seq: 2, ctr: 'IDN', adm: 'Clinic', lot: 'VC2' }] }],
  },
};
const AT = '2022-01-01T00:00:00Z';

describe('ICAO VDS-NC seals signed with our own PKI', () => {
  let pki: Awaited<ReturnType<typeof makePki>>;
  let trust: TrustResolver;
  beforeAll(async () => {
    pki = await makePki();
    trust = resolver({ UT: [pki.cscaSigner] });
  });

  it('signVdsNc → verify round trip (ES256, CSCA on P-384)', async () => {
    const text = signVdsNc(VACC, pki.bscKey, pki.bscDer);
    expect(icaoAdapter.detect(text)).toBe(true);
    const r = await verifyStaged(icaoAdapter, text, ctxAt(trust, AT));
    expect(r.failures).toEqual([]);
    expect(r.holder).toMatchObject({ familyName: 'Smith', givenName: 'Bill Jr', givenNameStd: 'BILL<JR' });
    expect(r.certificate?.evidence).toMatchObject({ product: { code: 'ICD11:XM97T2', display: 'Covishield' }, doseNumber: 2, country: { code: 'ID' } });
  });

  it('a CRL of the CSCA listing the BSC serial → REVOKED; a CRL listing another serial → passes', async () => {
    const text = signVdsNc(VACC, pki.bscKey, pki.bscDer);
    const revoked = await verifyStaged(icaoAdapter, text, ctxAt(trust, AT));
    expect(revoked.failures).toEqual([]);
    const listed = await pki.crl(['1001']);
    const r = await verifyStaged(icaoAdapter, text, ctxAt(resolver({ UT: [pki.cscaSigner] }, [listed]), AT));
    expect(r.failures.map((f) => f.code)).toEqual(['REVOKED']);
    expect(r.checks).toContainEqual({ name: 'revocation', passed: false, code: 'REVOKED' });
    const other = await pki.crl(['2002']);
    const ok = await verifyStaged(icaoAdapter, text, ctxAt(resolver({ UT: [pki.cscaSigner] }, [other]), AT));
    expect(ok.failures).toEqual([]);
  });

  it('a CRL listing the BSC but signed by another CA is ignored (cannot revoke)', async () => {
    const stranger = await makePki();
    const forged = await stranger.crl(['1001']);
    const text = signVdsNc(VACC, pki.bscKey, pki.bscDer);
    const r = await verifyStaged(icaoAdapter, text, ctxAt(resolver({ UT: [pki.cscaSigner] }, [forged]), AT));
    expect(r.failures).toEqual([]);
  });

  it('ES384 with a P-384 BSC verifies; sig.alg ES384 over a P-256 key → ALGORITHM_UNSUPPORTED', async () => {
    const p384 = await makePki({ bscCurve: 'P-384' });
    const ok = await verifyStaged(icaoAdapter, signVdsNc(VACC, p384.bscKey, p384.bscDer, 'ES384'), ctxAt(resolver({ UT: [p384.cscaSigner] }), AT));
    expect(ok.failures).toEqual([]);
    const doc = JSON.parse(signVdsNc(VACC, pki.bscKey, pki.bscDer)) as { sig: { alg: string } };
    doc.sig.alg = 'ES384';
    expect(await codeOf(verifyStaged(icaoAdapter, JSON.stringify(doc), ctxAt(trust, AT)))).toBe('ALGORITHM_UNSUPPORTED');
    doc.sig.alg = 'none';
    expect(await codeOf(verifyStaged(icaoAdapter, JSON.stringify(doc), ctxAt(trust, AT)))).toBe('ALGORITHM_UNSUPPORTED');
  });

  it('a BSC whose EKU lacks the VDS-NC OID → KEY_USAGE_MISMATCH', async () => {
    const wrong = await makePki({ eku: ['1.3.6.1.5.5.7.3.4'] });
    const r = await verifyStaged(icaoAdapter, signVdsNc(VACC, wrong.bscKey, wrong.bscDer), ctxAt(resolver({ UT: [wrong.cscaSigner] }), AT));
    expect(r.failures.map((f) => f.code)).toEqual(['KEY_USAGE_MISMATCH']);
  });

  it('a BSC from another CA with the same issuer name: KID_UNKNOWN (AKI differs), SIGNATURE_INVALID when only names can be compared', async () => {
    const stranger = await makePki();
    const text = signVdsNc(VACC, stranger.bscKey, stranger.bscDer);
    expect(await codeOf(verifyStaged(icaoAdapter, text, ctxAt(trust, AT)))).toBe('KID_UNKNOWN');
    const { certificateDer: _drop, ...withoutDer } = pki.cscaSigner;
    expect(await codeOf(verifyStaged(icaoAdapter, text, ctxAt(resolver({ UT: [withoutDer] }), AT)))).toBe('SIGNATURE_INVALID');
    // The genuine BSC still verifies against the CSCA known only by key and name.
    const ok = await verifyStaged(icaoAdapter, signVdsNc(VACC, pki.bscKey, pki.bscDer), ctxAt(resolver({ UT: [withoutDer] }), AT));
    expect(ok.failures).toEqual([]);
  });

  it('icao.test seal maps to a test (negative PCR)', async () => {
    const data: VdsNcData = {
      hdr: { t: 'icao.test', v: 1, is: 'UTO' },
      msg: {
        utci: 'T1',
        pid: { n: 'Smith  Bill', dob: '1990-01-02', dt: 'P', dn: 'E1092300' },
        sp: { spn: 'General Hospital', ctr: 'UTO', cd: { p: '+000' } },
        dat: { sc: '2021-12-30T08:00:00+00:00', ri: '2021-12-30T20:00:00+00:00' },
        tr: { tc: 'molecular(PCR)', r: 'negative', m: 'nasopharyngeal' },
      },
    };
    const r = await verifyStaged(icaoAdapter, signVdsNc(data, pki.bscKey, pki.bscDer), ctxAt(trust, AT));
    expect(r.failures).toEqual([]);
    expect(r.issuedAt?.toISOString()).toBe('2021-12-30T20:00:00.000Z');
    expect(r.certificate?.evidence).toMatchObject({ type: 'test', testType: { code: 'LP6464-4' }, result: { code: '260415000' }, positive: false, centre: 'General Hospital' });
  });

  it('a seal without ve → SCHEMA_INVALID listed (signature valid, no certificate)', async () => {
    const data: VdsNcData = { hdr: { t: 'icao.vacc', v: 1, is: 'UTO' }, msg: { pid: { n: 'X' } } };
    const r = await verifyStaged(icaoAdapter, signVdsNc(data, pki.bscKey, pki.bscDer), ctxAt(trust, AT));
    expect(r.failures.map((f) => f.code)).toEqual(['SCHEMA_INVALID']);
    expect(r.certificate).toBeUndefined();
  });

  it('malformed seals: bad base64url → CBOR_INVALID; deep nesting → PAYLOAD_TOO_LARGE; version 2 → CBOR_INVALID', async () => {
    const doc = JSON.parse(signVdsNc(VACC, pki.bscKey, pki.bscDer)) as { data: { hdr: { v: number }; msg: Record<string, unknown> }; sig: { sigvl: string } };
    expect(await codeOf(verifyStaged(icaoAdapter, JSON.stringify({ ...doc, sig: { ...doc.sig, sigvl: 'not base64!' } }), ctxAt(trust, AT)))).toBe('CBOR_INVALID');
    let deep: unknown = 1;
    for (let i = 0; i < 50; i++) deep = [deep];
    expect(await codeOf(verifyStaged(icaoAdapter, JSON.stringify({ ...doc, data: { ...doc.data, msg: { ...doc.data.msg, x: deep } } }), ctxAt(trust, AT)))).toBe('PAYLOAD_TOO_LARGE');
    expect(await codeOf(verifyStaged(icaoAdapter, JSON.stringify({ ...doc, data: { ...doc.data, hdr: { ...doc.data.hdr, v: 2 } } }), ctxAt(trust, AT)))).toBe('CBOR_INVALID');
  });
});

describe.skipIf(!HAVE_VECTORS)('ICAO VDS-NC through the real trust store (icao-csca source)', () => {
  it('valid.json verifies with csca-AU + its CRL loaded from a TRUST_LISTS_DIR; the CRL reaches the adapter', async () => {
    const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
    const os = await import('node:os');
    const { TrustRefresher } = await import('../../../src/trust/refresher.js');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'icao-trust-'));
    try {
      const pem = `-----BEGIN CERTIFICATE-----\n${Buffer.from(derOf('csca-AU.der.b64')).toString('base64').replace(/.{64}/g, '$&\n')}\n-----END CERTIFICATE-----\n`;
      writeFileSync(path.join(dir, 'csca.pem'), pem);
      writeFileSync(path.join(dir, 'au.crl'), derOf('crl-AU-without-serial.der.b64'));
      writeFileSync(path.join(dir, 'sources.json'), JSON.stringify({ sources: [{ id: 'icao-test', type: 'icao-csca', file: 'csca.pem', crl: 'au.crl' }] }));
      const { store } = await TrustRefresher.open({ dir, dataDir: path.join(dir, 'data'), now: () => new Date('2021-09-15T00:00:00Z'), readOnly: true });
      const trust = store.current().resolver;
      const r = await verifyStaged(icaoAdapter, vector('valid.json'), ctxAt(trust, '2021-09-15T00:00:00Z'));
      expect(r.failures).toEqual([]);
      expect(r.signer.source).toBe('icao-test');
      expect(r.checks).toContainEqual({ name: 'revocation', passed: true });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
