// Detached CMS SignedData (RFC 5652) as the EU gateway uses it (anchors-mission.md §2.5 (a);
// dgc-lib SignedCertificateMessageParser): the content is the DER certificate of a trust-list
// entry, signed by the trust anchor (CSCA, UPLOAD entries) or by the country's upload
// certificate (DSC entries). Parsed with @peculiar/asn1-cms (asn1js reads the BER
// indefinite-length encoding the gateway emits). A signature verifies only when there is at
// least one SignerInfo and every SignerInfo verifies with one of the expected keys (security.md
// T-1: a CMS with zero signers must not pass a vacuous "every").
import { constants, createHash, type KeyObject, verify } from 'node:crypto';
import { ContentInfo, SignedData } from '@peculiar/asn1-cms';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';

const ID_SIGNED_DATA = '1.2.840.113549.1.7.2';
const ID_MESSAGE_DIGEST = '1.2.840.113549.1.9.4';
const DIGESTS: Record<string, string> = {
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
};
const RSA_PSS = '1.2.840.113549.1.1.10';

/** Whether `cms` (DER/BER ContentInfo) is a valid detached signature over `content` by one of `keys`. */
export function verifyDetachedCms(cms: Uint8Array, content: Uint8Array, keys: readonly KeyObject[]): boolean {
  try {
    const ci = AsnConvert.parse(Uint8Array.from(cms), ContentInfo);
    if (ci.contentType !== ID_SIGNED_DATA) return false;
    const sd = AsnConvert.parse(ci.content, SignedData);
    if (sd.signerInfos.length === 0 || keys.length === 0) return false;
    return sd.signerInfos.every((si) => {
      const hash = DIGESTS[si.digestAlgorithm.algorithm];
      if (!hash) return false;
      let signed: Buffer;
      if (si.signedAttrs && si.signedAttrs.length > 0) {
        const md = si.signedAttrs.find((a) => a.attrType === ID_MESSAGE_DIGEST);
        const value = md?.attrValues[0];
        if (!value) return false;
        const digest = Buffer.from(AsnConvert.parse(value, OctetString).buffer);
        if (!digest.equals(createHash(hash).update(content).digest())) return false;
        // The signature covers the DER SET OF attributes (tag 0x31), not the [0] IMPLICIT form.
        // Re-encoded in the order received: signed attributes are DER (RFC 5652 §5.4) and each
        // value is kept as raw bytes by the parser, so the re-encoding is the signed one.
        signed = derSet(si.signedAttrs.map((a) => Buffer.from(AsnConvert.serialize(a))));
      } else {
        signed = Buffer.from(content);
      }
      const signature = Buffer.from(si.signature.buffer);
      const pss = si.signatureAlgorithm.algorithm === RSA_PSS;
      return keys.some((key) => {
        try {
          if (key.asymmetricKeyType === 'ec') return verify(hash, signed, { key, dsaEncoding: 'der' }, signature);
          if (pss || key.asymmetricKeyType === 'rsa-pss') {
            return verify(hash, signed, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO }, signature);
          }
          return verify(hash, signed, key, signature);
        } catch {
          return false;
        }
      });
    });
  } catch {
    return false;
  }
}

function derSet(items: readonly Buffer[]): Buffer {
  const body = Buffer.concat(items);
  const n = body.length;
  let len: Buffer;
  if (n < 0x80) len = Buffer.from([n]);
  else {
    const bytes: number[] = [];
    for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
    len = Buffer.from([0x80 | bytes.length, ...bytes]);
  }
  return Buffer.concat([Buffer.from([0x31]), len, body]);
}
