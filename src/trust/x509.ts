// The only importer of @peculiar/x509. Version 2.2 resolves its ASN.1 providers through
// tsyringe, which throws at import time unless a Reflect metadata polyfill is loaded first.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export { x509 };
export const {
  X509Certificate,
  X509Crl,
  ExtendedKeyUsageExtension,
  BasicConstraintsExtension,
  KeyUsagesExtension,
  AuthorityKeyIdentifierExtension,
  SubjectKeyIdentifierExtension,
} = x509;
export type X509CertificateT = x509.X509Certificate;
