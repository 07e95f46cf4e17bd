// A small test PKI (CSCA → DSC) for the demo certificates and the tests, so nothing here
// depends on a real country's keys. Never loaded by the service itself.
import { createHash, KeyObject, webcrypto } from 'node:crypto';
import { x509 } from '../../src/trust/x509.js';

export interface DemoCertificate {
  der: Uint8Array;
  pem: string;
  privateKey: KeyObject;
  cryptoKeys: CryptoKeyPair;
  kid: Uint8Array;
  subject: string;
}

type CryptoKeyPair = webcrypto.CryptoKeyPair;

export type DemoKeyAlg = 'ES256' | 'PS256' | 'ES384';

const ALGS: Record<DemoKeyAlg, webcrypto.RsaHashedKeyGenParams | webcrypto.EcKeyGenParams> = {
  ES256: { name: 'ECDSA', namedCurve: 'P-256' },
  ES384: { name: 'ECDSA', namedCurve: 'P-384' },
  PS256: { name: 'RSA-PSS', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
};

function signingAlgorithm(alg: DemoKeyAlg) {
  return alg === 'PS256' ? { name: 'RSA-PSS', saltLength: 32, hash: 'SHA-256' } : { name: 'ECDSA', hash: alg === 'ES384' ? 'SHA-384' : 'SHA-256' };
}

export function kidOfDer(der: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(der).digest().subarray(0, 8));
}

async function finish(cert: x509.X509Certificate, keys: CryptoKeyPair, subject: string): Promise<DemoCertificate> {
  const der = new Uint8Array(cert.rawData);
  return { der, pem: cert.toString('pem'), privateKey: KeyObject.from(keys.privateKey), cryptoKeys: keys, kid: kidOfDer(der), subject };
}

export async function makeCsca(opts: { country: string; name?: string; alg?: DemoKeyAlg; notBefore: Date; notAfter: Date }): Promise<DemoCertificate> {
  const alg = opts.alg ?? 'ES256';
  const keys = (await webcrypto.subtle.generateKey(ALGS[alg], true, ['sign', 'verify'])) as CryptoKeyPair;
  const subject = `C=${opts.country}, O=Lintas Demo (not a real authority), CN=${opts.name ?? 'Demo CSCA'}`;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: subject,
    notBefore: opts.notBefore,
    notAfter: opts.notAfter,
    keys,
    signingAlgorithm: signingAlgorithm(alg),
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return finish(cert, keys, subject);
}

export async function makeDsc(
  csca: DemoCertificate,
  opts: { country: string; name: string; alg?: DemoKeyAlg; notBefore: Date; notAfter: Date; eku?: string[]; serial?: string },
): Promise<DemoCertificate> {
  const alg = opts.alg ?? 'ES256';
  const keys = (await webcrypto.subtle.generateKey(ALGS[alg], true, ['sign', 'verify'])) as CryptoKeyPair;
  const cscaCert = new x509.X509Certificate(csca.der);
  const subject = `C=${opts.country}, O=Lintas Demo (not a real authority), CN=${opts.name}`;
  const cscaAlg = cscaCert.publicKey.algorithm.name === 'RSA-PSS' ? 'PS256' : 'ES256';
  const extensions: x509.Extension[] = [
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
    await x509.AuthorityKeyIdentifierExtension.create(csca.cryptoKeys.publicKey),
  ];
  if (opts.eku) extensions.push(new x509.ExtendedKeyUsageExtension(opts.eku, false));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: opts.serial ?? Buffer.from(kidOfDer(new TextEncoder().encode(opts.name))).toString('hex'),
    subject,
    issuer: cscaCert.subject,
    notBefore: opts.notBefore,
    notAfter: opts.notAfter,
    publicKey: keys.publicKey,
    signingKey: csca.cryptoKeys.privateKey,
    signingAlgorithm: signingAlgorithm(cscaAlg),
    extensions,
  });
  return finish(cert, keys, subject);
}

export const EKU = {
  test: '1.3.6.1.4.1.1847.2021.1.1',
  vaccination: '1.3.6.1.4.1.1847.2021.1.2',
  recovery: '1.3.6.1.4.1.1847.2021.1.3',
} as const;

/** An EU gateway trust-list entry (`dgcg-trustlist`) for a demo certificate. */
export function dgcgEntry(cert: DemoCertificate, opts: { country: string; type?: 'DSC' | 'CSCA'; timestamp: string }) {
  return {
    kid: Buffer.from(cert.kid).toString('base64'),
    timestamp: opts.timestamp,
    country: opts.country,
    certificateType: opts.type ?? 'DSC',
    thumbprint: createHash('sha256').update(cert.der).digest('hex'),
    rawData: Buffer.from(cert.der).toString('base64'),
  };
}
