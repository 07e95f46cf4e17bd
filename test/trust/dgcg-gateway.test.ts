// dgcg-trustlist from a URL (anchors-mission.md §2.5 (a)): a gateway of our own (trust anchor,
// country CSCAs, upload certificates, DSCs; CMS signatures built here) served on loopback.
// CSCA/UPLOAD entries need the anchor's CMS, DSC entries the country's upload CMS and a chain
// to a CSCA of their country; each failing entry is dropped and reported, the rest loads.
import { createHash, createPublicKey, sign, X509Certificate as NodeX509 } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Attribute, ContentInfo, DigestAlgorithmIdentifiers, EncapsulatedContentInfo, IssuerAndSerialNumber, SignedData, SignerIdentifier, SignerInfo, SignerInfos } from '@peculiar/asn1-cms';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier, Certificate } from '@peculiar/asn1-x509';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCsca, makeDsc, type DemoCertificate } from '../../scripts/demo/pki.js';
import { TrustRefresher } from '../../src/trust/refresher.js';
import { verifyDetachedCms } from '../../src/trust/sources/cms.js';
import { parseDgcgTrustList } from '../../src/trust/sources/dgcg-trustlist.js';
import { kidB64, serveBytes, startServer, tempDir, type TestServer, VECTORS, vectorsPresent } from './helpers.js';

const V = { notBefore: new Date('2026-01-01T00:00:00Z'), notAfter: new Date('2028-01-01T00:00:00Z') };
const SHA256 = '2.16.840.1.101.3.4.2.1';

function derLen(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v >>= 8) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** A detached CMS SignedData over `content` by `signer` (messageDigest + contentType attributes), base64. */
function cmsSign(content: Uint8Array, signer: DemoCertificate, attrs = true): string {
  const cert = AsnConvert.parse(signer.der, Certificate);
  const digest = createHash('sha256').update(content).digest();
  const attributes = [
    new Attribute({ attrType: '1.2.840.113549.1.9.3', attrValues: [Uint8Array.from([0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01]).buffer] }),
    new Attribute({ attrType: '1.2.840.113549.1.9.4', attrValues: [AsnConvert.serialize(new OctetString(digest))] }),
  ]
    .map((a) => ({ a, der: Buffer.from(AsnConvert.serialize(a)) }))
    .sort((x, y) => Buffer.compare(x.der, y.der));
  const setBody = Buffer.concat(attributes.map((x) => x.der));
  const signed = attrs ? Buffer.concat([Buffer.from([0x31]), derLen(setBody.length), setBody]) : Buffer.from(content);
  const signature = sign('sha256', signed, { key: signer.privateKey, dsaEncoding: 'der' });
  const si = new SignerInfo({
    version: 1,
    sid: new SignerIdentifier({ issuerAndSerialNumber: new IssuerAndSerialNumber({ issuer: cert.tbsCertificate.issuer, serialNumber: cert.tbsCertificate.serialNumber }) }),
    digestAlgorithm: new AlgorithmIdentifier({ algorithm: SHA256 }),
    ...(attrs ? { signedAttrs: attributes.map((x) => x.a) } : {}),
    signatureAlgorithm: new AlgorithmIdentifier({ algorithm: '1.2.840.10045.4.3.2' }),
    signature: new OctetString(signature),
  });
  const sd = new SignedData({
    version: 1,
    digestAlgorithms: new DigestAlgorithmIdentifiers([new AlgorithmIdentifier({ algorithm: SHA256 })]),
    encapContentInfo: new EncapsulatedContentInfo({ eContentType: '1.2.840.113549.1.7.1' }),
    signerInfos: new SignerInfos([si]),
  });
  const ci = new ContentInfo({ contentType: '1.2.840.113549.1.7.2', content: AsnConvert.serialize(sd) });
  return Buffer.from(AsnConvert.serialize(ci)).toString('base64');
}

const entry = (type: string, country: string, cert: DemoCertificate, signature: string) => ({
  kid: kidB64(cert.der),
  timestamp: '2026-06-01T00:00:00+00:00',
  country,
  certificateType: type,
  thumbprint: createHash('sha256').update(cert.der).digest('hex'),
  rawData: Buffer.from(cert.der).toString('base64'),
  signature,
});

describe('dgcg-trustlist from a URL, checked against the trust anchor', () => {
  let ta: DemoCertificate;
  let rogueTa: DemoCertificate;
  let at: { csca: DemoCertificate; upload: DemoCertificate; dscs: DemoCertificate[] };
  let fr: { csca: DemoCertificate; upload: DemoCertificate; dsc: DemoCertificate };
  let server: TestServer;

  beforeAll(async () => {
    ta = await makeCsca({ country: 'EU', name: 'Test Trust Anchor', ...V });
    rogueTa = await makeCsca({ country: 'EU', name: 'Rogue Trust Anchor', ...V });
    const atCsca = await makeCsca({ country: 'AT', name: 'AT CSCA', ...V });
    at = {
      csca: atCsca,
      upload: await makeCsca({ country: 'AT', name: 'AT Upload', ...V }),
      dscs: [await makeDsc(atCsca, { country: 'AT', name: 'AT DSC 0', ...V }), await makeDsc(atCsca, { country: 'AT', name: 'AT DSC 1', ...V })],
    };
    const frCsca = await makeCsca({ country: 'FR', name: 'FR CSCA', ...V });
    fr = { csca: frCsca, upload: await makeCsca({ country: 'FR', name: 'FR Upload', ...V }), dsc: await makeDsc(frCsca, { country: 'FR', name: 'FR DSC', ...V }) };
    server = await startServer();
  });
  afterAll(async () => {
    await server.close();
  });

  const parse = (list: unknown[], anchor: DemoCertificate = ta) =>
    parseDgcgTrustList({ def: { id: 'gw', type: 'dgcg-trustlist', url: 'https://gw' }, bytes: Buffer.from(JSON.stringify(list)), anchor: Buffer.from(anchor.pem), origin: 'url' });

  it('CMS: a detached signature verifies with its signer only, over its content only; no attributes works too', () => {
    const content = Buffer.from(at.dscs[0]!.der);
    const sig = Buffer.from(cmsSign(content, at.upload), 'base64');
    const pub = (d: DemoCertificate) => createPublicKey(d.privateKey);
    expect(verifyDetachedCms(sig, content, [pub(at.upload)])).toBe(true);
    expect(verifyDetachedCms(sig, content, [pub(fr.upload)])).toBe(false);
    expect(verifyDetachedCms(sig, Buffer.from(at.dscs[1]!.der), [pub(at.upload)])).toBe(false);
    expect(verifyDetachedCms(Buffer.from(cmsSign(content, at.upload, false), 'base64'), content, [pub(at.upload)])).toBe(true);
    expect(verifyDetachedCms(Buffer.from('3000', 'hex'), content, [pub(at.upload)])).toBe(false);
  });

  it('a well-signed gateway list loads every DSC; each broken link drops exactly its entry', async () => {
    const good = [
      entry('CSCA', 'AT', at.csca, cmsSign(at.csca.der, ta)),
      entry('UPLOAD', 'AT', at.upload, cmsSign(at.upload.der, ta)),
      entry('DSC', 'AT', at.dscs[0]!, cmsSign(at.dscs[0]!.der, at.upload)),
      entry('CSCA', 'FR', fr.csca, cmsSign(fr.csca.der, rogueTa)), // not the anchor: FR has no CSCA
      entry('UPLOAD', 'FR', fr.upload, cmsSign(fr.upload.der, ta)),
      entry('DSC', 'FR', fr.dsc, cmsSign(fr.dsc.der, fr.upload)), // so this DSC does not chain
      entry('DSC', 'AT', at.dscs[1]!, cmsSign(at.dscs[1]!.der, fr.upload)), // uploaded by FR for AT
    ];
    const r = await parse(good);
    expect(r.signers.map((s) => s.kid)).toEqual([kidB64(at.dscs[0]!.der)]);
    expect(r.dropped.map((d) => d.code).sort()).toEqual(['NO_CHAIN', 'TA_SIGNATURE_INVALID', 'UPLOAD_SIGNATURE_INVALID']);
    // Signed by another anchor altogether: nothing loads.
    expect((await parse(good, rogueTa)).signers).toEqual([]);
  });

  it('through the refresher: served on loopback, verified against the anchor file', async () => {
    const list = [
      entry('CSCA', 'AT', at.csca, cmsSign(at.csca.der, ta)),
      entry('UPLOAD', 'AT', at.upload, cmsSign(at.upload.der, ta)),
      ...at.dscs.map((d) => entry('DSC', 'AT', d, cmsSign(d.der, at.upload))),
    ];
    server.handle(serveBytes(Buffer.from(JSON.stringify(list))));
    const root = tempDir('gw-');
    const dir = path.join(root, 'lists');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'ta.pem'), ta.pem);
    writeFileSync(path.join(dir, 'sources.json'), JSON.stringify({ sources: [{ id: 'gw', type: 'dgcg-trustlist', url: server.url('/trustList'), anchor: 'ta.pem' }] }));
    const r = await TrustRefresher.open({ dir, dataDir: path.join(root, 'data'), now: () => new Date('2026-11-25T10:00:00Z') });
    await r.refresh();
    expect(r.store.current().sources[0]).toMatchObject({ signerCount: 2, droppedTotal: 0, origin: 'url', listTimeKind: 'newest-entry' });
  });
});

describe.skipIf(!vectorsPresent('trust-lists/de-dsc-list'))('the CMS verifier on real gateway signatures (German list entries)', () => {
  it('820 of 829 upload signatures (BER, SHA-256 and SHA-512) verify with the upload certificate they embed; the 9 NO ones do not', () => {
    const text = readFileSync(path.join(VECTORS, 'trust-lists/de-dsc-list/dsc-list.json'), 'utf8');
    const list = (JSON.parse(text.slice(text.indexOf('\n') + 1)) as { certificates: { country: string; rawData: string; signature: string }[] }).certificates;
    const failing: string[] = [];
    for (const e of list) {
      const cms = Buffer.from(e.signature, 'base64');
      const sd = AsnConvert.parse(AsnConvert.parse(cms, ContentInfo).content, SignedData);
      // Self-consistency only: the gateway's upload certificates are not published, so the
      // embedded one stands in for "the country's upload certificate".
      const keys = (sd.certificates ?? []).flatMap((c) => (c.certificate ? [new NodeX509(Buffer.from(AsnConvert.serialize(c.certificate))).publicKey] : []));
      if (!verifyDetachedCms(cms, Buffer.from(e.rawData, 'base64'), keys)) failing.push(e.country);
    }
    expect(list).toHaveLength(829);
    expect(failing).toEqual(Array(9).fill('NO'));
  });
});
