// signerFromCertificate and kidOf on real DSCs (German list entries) and on hostile DER
// (security.md D-3, D-7). A few entries are parsed, not the whole list.
import { webcrypto, X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  derOuterLength,
  kidOf,
  normalizeSerial,
  SignerError,
  signerFromCertificate,
  thumbprintOf,
} from '../../src/trust/signer.js';
import { x509 } from '../../src/trust/x509.js';

const VECTORS = path.resolve(fileURLToPath(new URL('../..', import.meta.url)), '../shared/vectors');
const LIST = path.join(VECTORS, 'trust-lists/de-dsc-list/dsc-list.json');
const DEMO = path.join(VECTORS, 'trust-lists/de-dsc-list/demo/dsc-list.json');
const present = existsSync(LIST) && existsSync(DEMO);
if (!present) console.warn(`SKIPPED: German DSC list vectors missing at ${LIST}`);

interface Entry {
  kid: string;
  rawData: string;
  country: string;
  thumbprint: string;
}
function entries(file: string): Entry[] {
  const text = readFileSync(file, 'utf8');
  return (JSON.parse(text.slice(text.indexOf('\n') + 1)) as { certificates: Entry[] }).certificates;
}
const derOf = (e: Entry): Buffer => Buffer.from(e.rawData, 'base64');

describe.skipIf(!present)('kidOf / thumbprintOf on real list entries', () => {
  it('equals the listed kid and thumbprint for the first 50 entries', () => {
    for (const e of entries(LIST).slice(0, 50)) {
      expect(kidOf(derOf(e))).toBe(e.kid);
      expect(thumbprintOf(derOf(e))).toBe(e.thumbprint.toLowerCase());
    }
  });
});

describe.skipIf(!present)('signerFromCertificate', () => {
  let list: Entry[];
  beforeAll(() => {
    list = entries(LIST);
  });

  it('reads an EC P-256 DSC: key, validity, subject, country from C=, kid, DER copy', () => {
    const e = list.find((x) => x.country === 'NL')!;
    const s = signerFromCertificate(derOf(e), { source: 'src-a' });
    expect(s).toMatchObject({ kid: e.kid, country: 'NL', source: 'src-a', keyType: 'EC-P256' });
    expect(s.keyBits).toBeUndefined();
    expect(s.publicKey.asymmetricKeyType).toBe('ec');
    expect(s.notBefore!.getTime()).toBeLessThan(s.notAfter!.getTime());
    expect(s.subject).toMatch(/C=NL/);
    expect(Buffer.from(s.certificateDer!).equals(derOf(e))).toBe(true);
  });

  it('reads RSA keys with their size, and an explicit country wins over the subject', () => {
    // node:crypto (an independent parser) picks the RSA entries; ours then reads only those.
    const rsaEntries = list.filter((e) => new X509Certificate(derOf(e)).publicKey.asymmetricKeyType === 'rsa');
    const rsa = rsaEntries.map((e) => signerFromCertificate(derOf(e), { source: 's', country: 'XX' }));
    expect(rsa.every((s) => s.keyType === 'RSA')).toBe(true);
    expect(rsa.map((s) => s.keyBits).sort()).toEqual([...Array(35).fill(2048), 4096, 4096, 4096]);
    expect(new Set(rsa.map((s) => s.country))).toEqual(new Set(['XX']));
  });

  it('gives EKU OIDs when the extension exists and undefined when it does not', () => {
    const signers = list.slice(0, 200).map((e) => signerFromCertificate(derOf(e), { source: 's' }));
    const withEku = signers.filter((s) => s.eku !== undefined);
    expect(withEku.length).toBeGreaterThan(0);
    expect(signers.some((s) => s.eku === undefined)).toBe(true);
    for (const s of withEku) for (const oid of s.eku!) expect(oid).toMatch(/^\d+(\.\d+)+$/);
    expect(withEku.flatMap((s) => s.eku!).some((o) => o.startsWith('1.3.6.1.4.1.') && o.includes('1847.2021.1.'))).toBe(true);
  });

  it('refuses trailing bytes after the certificate (D-3) with CERT_INVALID', () => {
    const der = Buffer.concat([derOf(list[0]!), Buffer.from([0, 0])]);
    expect(() => signerFromCertificate(der, { source: 's' })).toThrow(SignerError);
    try {
      signerFromCertificate(der, { source: 's' });
    } catch (e) {
      expect((e as SignerError).code).toBe('CERT_INVALID');
    }
  });

  it('refuses garbage, truncation and deep nesting quickly with CERT_INVALID', () => {
    const good = derOf(list[0]!);
    const deep = Buffer.concat([Buffer.from([0x30, 0x84, 0, 0, 0x9c, 0x40]), Buffer.alloc(40_000, 0x30).map((_, i) => (i % 2 ? 0x80 : 0x30))]);
    for (const bad of [Buffer.from('not a certificate'), good.subarray(0, good.length - 10), Buffer.alloc(0), deep]) {
      const started = performance.now();
      expect(() => signerFromCertificate(bad, { source: 's' })).toThrow(expect.objectContaining({ code: 'CERT_INVALID' }));
      expect(performance.now() - started).toBeLessThan(500);
    }
  });

  it('refuses an RSA-1024 DSC (the one in the real demo list) with KEY_REJECTED', () => {
    const weak = entries(DEMO)[476]!;
    expect(() => signerFromCertificate(derOf(weak), { source: 's' })).toThrow(expect.objectContaining({ code: 'KEY_REJECTED' }));
  });
});

describe('signerFromCertificate on generated certificates', () => {
  const alg = { name: 'ECDSA', namedCurve: 'P-384', hash: 'SHA-384' };
  async function make(extensions: InstanceType<typeof x509.Extension>[]): Promise<Uint8Array> {
    const keys = await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify']);
    const cert = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: '01',
      name: 'C=ID, CN=Test DSC',
      notBefore: new Date('2026-01-01T00:00:00Z'),
      notAfter: new Date('2027-01-01T00:00:00Z'),
      keys,
      signingAlgorithm: alg,
      extensions,
    });
    return new Uint8Array(cert.rawData);
  }

  it('reads a P-384 key, the validity, C=ID and one EKU', async () => {
    const der = await make([new x509.ExtendedKeyUsageExtension(['1.3.6.1.4.1.1847.2021.1.2'])]);
    const s = signerFromCertificate(der, { source: 'gen' });
    expect(s).toMatchObject({ keyType: 'EC-P384', country: 'ID', eku: ['1.3.6.1.4.1.1847.2021.1.2'] });
    expect(s.notBefore?.toISOString()).toBe('2026-01-01T00:00:00.000Z');
    expect(s.notAfter?.toISOString()).toBe('2027-01-01T00:00:00.000Z');
  });

  it('gives eku undefined without the extension, and refuses two EKU extensions (RFC 5280 §4.2)', async () => {
    expect(signerFromCertificate(await make([]), { source: 'gen' }).eku).toBeUndefined();
    const twice = await make([
      new x509.ExtendedKeyUsageExtension(['1.3.6.1.4.1.1847.2021.1.2']),
      new x509.ExtendedKeyUsageExtension(['1.3.6.1.4.1.1847.2021.1.1']),
    ]);
    expect(() => signerFromCertificate(twice, { source: 'gen' })).toThrow(expect.objectContaining({ code: 'CERT_INVALID' }));
  });
});

describe('small helpers', () => {
  it('normalizeSerial drops case, separators and DER padding zeros', () => {
    expect(normalizeSerial('00E3')).toBe('e3');
    expect(normalizeSerial('16:F2')).toBe('16f2');
    expect(normalizeSerial('0000')).toBe('0');
  });

  it('derOuterLength reads short and long definite lengths and rejects indefinite ones', () => {
    expect(derOuterLength(Uint8Array.from([0x30, 0x03, 1, 2, 3]))).toBe(5);
    expect(derOuterLength(Uint8Array.from([0x30, 0x82, 0x01, 0x00]))).toBe(260);
    expect(derOuterLength(Uint8Array.from([0x30, 0x80, 0, 0]))).toBe(-1);
  });
});
