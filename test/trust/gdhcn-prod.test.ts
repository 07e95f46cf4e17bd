// The WHO GDHCN trust network in PRODUCTION, on the real documents: tng-cdn @ 3575a71 (2026-08-22),
// read in place from ../shared/vectors/trust-lists/who-gdhcn-prod (SOURCE.txt there). They were
// made and signed by WHO's own signer (tng-key-distribution with ld-signatures-java), an
// implementation independent of this one, so they prove interoperability; the anchor they verify
// with is the one SHIPPED in trust-lists/anchors, not the vectors' copy. Quirk counts are the
// ones SOURCE.txt lists, recomputed here from the documents themselves where they can be.
// Also: DEV v2.0.0 documents (fixtures/gdhcn-dev-v2.0.0, WHO-signed too), a broken proof through
// the refresher, and /v1/trust through the app.
import { createHash, X509Certificate } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createService, type Service } from '../../src/compose.js';
import { createLogger } from '../../src/logger.js';
import { TrustRefresher } from '../../src/trust/refresher.js';
import { kidOf } from '../../src/trust/signer.js';
import type { SourceResult } from '../../src/trust/sources/common.js';
import { fragmentFindings, parseGdhcnDid, pathLevels } from '../../src/trust/sources/gdhcn-did.js';
import { serveBytes, startServer, tempDir, type TestServer, VECTORS, vectorsPresent } from './helpers.js';

const present = vectorsPresent('trust-lists/who-gdhcn-prod');
const PROD = path.join(VECTORS, 'trust-lists/who-gdhcn-prod');
const ANCHORS = fileURLToPath(new URL('../../trust-lists/anchors/', import.meta.url));
const FIXTURES = fileURLToPath(new URL('./fixtures/gdhcn-dev-v2.0.0/', import.meta.url));
const anchorFile = (env: 'dev' | 'uat' | 'prod'): string => path.join(ANCHORS, `who-gdhcn-${env}-signing-did.json`);
const anchor = (env: 'dev' | 'uat' | 'prod'): Buffer => readFileSync(anchorFile(env));
/** A 2026 clock (the day after the snapshot) and one before Indonesia's DSC expired (2025-02-14). */
const AT = new Date('2026-08-23T00:00:00Z');
const BEFORE = new Date('2024-06-01T00:00:00Z');

const list = (rel: string): Buffer => {
  const bytes = readFileSync(path.join(PROD, 'v2/trustlist', rel));
  return rel.endsWith('.gz') ? gunzipSync(bytes) : bytes;
};
const parse = (bytes: Uint8Array, at: Date | undefined = AT, anc: Uint8Array = anchor('prod')): Promise<SourceResult> =>
  parseGdhcnDid({ def: { id: 'who-prod', type: 'gdhcn-did', url: 'https://tng-cdn.who.int/v2/trustlist/did.json' }, bytes, anchor: anc, origin: 'url', ...(at ? { at } : {}) });
const count = (entries: readonly { code?: string }[] = []): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const e of entries) out[e.code ?? '?'] = (out[e.code ?? '?'] ?? 0) + 1;
  return out;
};

interface Vm {
  id: string;
  publicKeyJwk: { kty: string; kid: string; x5c: string[]; crv?: string; x?: string; y?: string; n?: string };
  domain: { code: string };
  participant: { code: string };
  keyusage: { code: string };
}
/** RFC 7638 JWK thumbprint of an EC key, computed here rather than by the code under test. */
const jwkThumbprint = (jwk: { crv: string; kty: string; x: string; y: string }): string =>
  createHash('sha256').update(JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y })).digest('base64url');
const vmsOf = (bytes: Buffer): Vm[] => (JSON.parse(bytes.toString('utf8')) as { verificationMethod: Vm[] }).verificationMethod;
const certOf = (vm: Vm): X509Certificate => new X509Certificate(Buffer.from(vm.publicKeyJwk.x5c[0]!, 'base64'));

describe('trust-lists/anchors: the WHO signing DIDs shipped beside DEV', () => {
  it('PROD: byte-identical to the vectors anchor, pinned by file hash and JWK thumbprint', () => {
    const bytes = anchor('prod');
    expect(createHash('sha256').update(bytes).digest('hex')).toBe('bd8d6fb47b0ba07f0aa103288608a8aac6d9e077d0e8e3a8b663b41a98914122');
    if (present) expect(bytes.equals(readFileSync(path.join(PROD, 'anchors/WHO-signing-did.json')))).toBe(true);
    const did = JSON.parse(bytes.toString('utf8'));
    expect(did.id).toBe('did:web:raw.githubusercontent.com:WorldHealthOrganization:tng-participants-prod:main:WHO:signing:DID');
    expect(jwkThumbprint(did.verificationMethod[0].publicKeyJwk)).toBe('yl41g1jqA1GSciAJAtixEvjdWcH73065yMUgW7VagTE');
  });

  it('UAT: tng-participants-uat WHO/signing/DID/did.json, pinned by JWK thumbprint (the key research/trust-list-formats.md §2 names)', () => {
    const did = JSON.parse(anchor('uat').toString('utf8'));
    expect(did.id).toBe('did:web:raw.githubusercontent.com:WorldHealthOrganization:tng-participants-uat:main:WHO:signing:DID');
    expect(did.verificationMethod[0].publicKeyJwk).toMatchObject({ x: 'VgS8MAfbsTcXnfKr-dRjnfumq7UP91ntO1cOlQ4hmrI', y: '2ryjnUatlK3kwDE_LHK7vFiQRJKPxKn31-KjYZlGrIE' });
    expect(jwkThumbprint(did.verificationMethod[0].publicKeyJwk)).toBe('z712Pbe4nrc2AjFc6rlqQa0s1PMyf3Z18r4Jalksr6M');
  });

  it.skipIf(!present)('another environment’s key under the PROD DID name does not verify a PROD list', async () => {
    for (const env of ['dev', 'uat'] as const) {
      const other = JSON.parse(anchor(env).toString('utf8'));
      const prod = JSON.parse(anchor('prod').toString('utf8'));
      prod.verificationMethod[0].publicKeyJwk = other.verificationMethod[0].publicKeyJwk;
      await expect(parse(list('-/IDN/did.json'), AT, Buffer.from(JSON.stringify(prod)))).rejects.toMatchObject({ code: 'SIGNATURE_INVALID' });
      await expect(parse(list('-/IDN/did.json'), AT, anchor(env))).rejects.toMatchObject({ code: 'SIGNATURE_INVALID' });
    }
  });
});

describe.skipIf(!present)('gdhcn-did on the PROD root list (501 keys, 36 participants)', () => {
  let vms: Vm[];
  let root: SourceResult;
  const byKid = new Map<string, Vm>();
  beforeAll(async () => {
    vms = vmsOf(list('did.json'));
    for (const vm of vms) byKid.set(vm.publicKeyJwk.kid, vm);
    root = await parse(list('did.json'));
  });

  it('the document is what SOURCE.txt says: 501 keys (438 DSC, 61 CSCA, 2 DECA), 36 participants, DCC only', () => {
    expect(vms).toHaveLength(501);
    expect(count(vms.map((v) => ({ code: v.keyusage.code })))).toEqual({ '#DSC': 438, '#CSCA': 61, '#DECA': 2 });
    expect(new Set(vms.map((v) => v.participant.code)).size).toBe(36);
    expect(new Set(vms.map((v) => v.domain.code))).toEqual(new Set(['#DCC']));
  });

  it('verifies with the shipped PROD anchor, dated by its proof', () => {
    expect(root.listTime).toEqual({ at: new Date(JSON.parse(list('did.json').toString('utf8')).proof.created), kind: 'signed' });
  });

  it('every DSC is in force, refused or reported expired: 147 + 12 CHAIN_KEY_ID_MISMATCH + 279 DSC_EXPIRED = 438', () => {
    expect(root.signers).toHaveLength(147);
    expect(count(root.dropped)).toEqual({ CHAIN_KEY_ID_MISMATCH: 12, DSC_EXPIRED: 279 });
    const seen = new Set([...root.signers.map((s) => s.kid), ...root.dropped.map((d) => d.kid)]);
    for (const vm of vms.filter((v) => v.keyusage.code === '#DSC')) expect(seen.has(vm.publicKeyJwk.kid), vm.publicKeyJwk.kid).toBe(true);
    // The refusals come first in the list, so a status listing 100 entries shows all of them.
    expect(root.dropped.slice(0, 12).every((d) => d.code === 'CHAIN_KEY_ID_MISMATCH')).toBe(true);
  });

  // SOURCE.txt says x5c[1] "is not the key that signed them"; in fact its key verifies the
  // signature, but the issuer link fails (authority key identifier ≠ the SCA's subject key id),
  // which is what makes OpenSSL's X509_check_issued, and so the chain, fail.
  it('the 12 DSCs whose chain to x5c[1] fails are refused (10 LTU, 2 TGO): signature verifies, issuer link does not', () => {
    const refused = root.dropped.filter((d) => d.code === 'CHAIN_KEY_ID_MISMATCH').map((d) => byKid.get(d.kid!)!);
    expect(count(refused.map((v) => ({ code: v.participant.code })))).toEqual({ '#LTU': 10, '#TGO': 2 });
    for (const vm of refused) {
      const issuer = new X509Certificate(Buffer.from(vm.publicKeyJwk.x5c[1]!, 'base64'));
      expect(certOf(vm).checkIssued(issuer)).toBe(false);
      expect(certOf(vm).verify(issuer.publicKey)).toBe(true);
    }
    // Every other DSC's x5c[1] is its issuer (SOURCE.txt: 426 of 438).
    const ok = vms.filter((v) => v.keyusage.code === '#DSC' && !refused.includes(v));
    expect(ok).toHaveLength(426);
    for (const vm of ok) expect(certOf(vm).checkIssued(new X509Certificate(Buffer.from(vm.publicKeyJwk.x5c[1]!, 'base64')))).toBe(true);
  });

  it('expired DSCs are kept out of force: exactly the chaining DSCs whose x5c[0] ended before the clock; 314 of 501 leaf certificates expired at the snapshot', () => {
    const refused = new Set(root.dropped.filter((d) => d.code === 'CHAIN_KEY_ID_MISMATCH').map((d) => d.kid));
    const expiredDscs = vms.filter((v) => v.keyusage.code === '#DSC' && !refused.has(v.publicKeyJwk.kid) && new Date(certOf(v).validTo) < AT);
    expect(new Set(root.dropped.filter((d) => d.code === 'DSC_EXPIRED').map((d) => d.kid))).toEqual(new Set(expiredDscs.map((v) => v.publicKeyJwk.kid)));
    const snapshot = new Date('2026-08-22T17:06:15Z');
    expect(vms.filter((v) => new Date(certOf(v).validTo) < snapshot)).toHaveLength(314);
    for (const s of root.signers) expect(s.notAfter!.getTime()).toBeGreaterThanOrEqual(AT.getTime());
  });

  it('keys come from x5c[0] and keep their domain: kid recomputed, key = the certificate key, domains ["DCC"]', () => {
    for (const s of root.signers) {
      const vm = byKid.get(s.kid)!;
      expect(kidOf(Buffer.from(vm.publicKeyJwk.x5c[0]!, 'base64'))).toBe(s.kid);
      expect(s.publicKey.equals(certOf(vm).publicKey)).toBe(true);
      expect(s.domains).toEqual(['DCC']);
    }
  });

  it('JWK quirks are reported per entry, none refuses a key: 31/33-byte coordinates, RSA n sign byte, UNKNOWN CURVE, unescaped + and / kids', () => {
    const notices = count(root.notices);
    // Recomputed from the JWK members, the way SOURCE.txt counted them.
    const size: Record<string, number> = { 'P-256': 32, 'P-384': 48, 'P-521': 66 };
    const ec = vms.filter((v) => v.publicKeyJwk.kty === 'EC');
    const len = (s?: string): number => (s === undefined ? -1 : Buffer.from(s, 'base64url').length);
    const p256 = ec.filter((v) => v.publicKeyJwk.crv === 'P-256');
    expect(p256).toHaveLength(473);
    expect(p256.filter((v) => len(v.publicKeyJwk.x) === 33)).toHaveLength(253);
    expect(p256.filter((v) => len(v.publicKeyJwk.y) === 33)).toHaveLength(241);
    const curveOf = (v: Vm): string => (certOf(v).publicKey.export({ format: 'jwk' }) as { crv: string }).crv;
    const oddLength = ec.filter((v) => len(v.publicKeyJwk.x) !== size[curveOf(v)] || len(v.publicKeyJwk.y) !== size[curveOf(v)]);
    expect(notices['JWK_COORDINATE_LENGTH']).toBe(oddLength.length);
    const fra = root.notices!.find((n) => n.kid === 'eUVY16rD2Kc=' && n.code === 'JWK_COORDINATE_LENGTH');
    expect(fra?.reason).toMatch(/y 31 bytes/);
    const rsa = vms.filter((v) => v.publicKeyJwk.kty === 'RSA');
    expect(notices['JWK_RSA_ENCODING']).toBe(rsa.filter((v) => Buffer.from(v.publicKeyJwk.n!, 'base64url')[0] === 0).length);
    expect(new Set(root.notices!.filter((n) => n.code === 'JWK_CRV_UNKNOWN').map((n) => n.kid))).toEqual(new Set(['Bu3Xg4NDnpQ=', 'pcU89oQ6OV4=', 'Dk6CLj59tV8=', 'LCPepaAVVU8=']));
    expect(notices['KID_FRAGMENT_UNESCAPED']).toBe(116);
    expect(vms.filter((v) => /[+/]/.test(v.publicKeyJwk.kid))).toHaveLength(116);
    expect(notices['USAGE_NOT_SIGNING']).toBe(2);
    expect(root.dropped.some((d) => d.code === 'JWK_MISMATCH')).toBe(false);
  });

  it('the DCC domain list (stored gzipped) is the exact blob and loads to the same signers and reports', async () => {
    const bytes = list('DCC/did.json.gz');
    expect(createHash('sha256').update(bytes).digest('hex')).toBe('e59327915ae48a8c6fb587369e8b99a244f3b31f68aa509e63b14bffed9b57cb');
    const dcc = await parse(bytes);
    expect(dcc.signers.map((s) => s.kid).sort()).toEqual(root.signers.map((s) => s.kid).sort());
    expect(count(dcc.dropped)).toEqual(count(root.dropped));
    expect(count(dcc.notices)).toEqual(count(root.notices));
  });
});

describe.skipIf(!present)('gdhcn-did on PROD participant lists: Indonesia, Thailand, Singapore, Malaysia, both domain levels', () => {
  const DOCS = ['IDN', 'IDN/DSC', 'IDN/SCA', 'THA', 'THA/DSC', 'THA/SCA', 'SGP', 'SGP/SCA', 'MYS', 'MYS/SCA'].flatMap((p) => [`-/${p}/did.json`, `DCC/${p}/did.json`]);

  it.each(DOCS)('%s verifies with the shipped PROD anchor', async (rel) => {
    const r = await parse(list(rel));
    expect(r.listTime!.at.toISOString()).toMatch(/^2026-08-22T17:05/);
  });

  it.each(['-/IDN/did.json', 'DCC/IDN/did.json'])('%s at a 2026 clock: the expired DSC umFDVUdIS8Y= is out of force and reported; both SCAs loaded', async (rel) => {
    const r = await parse(list(rel), AT);
    expect(r.signers).toEqual([]);
    expect(r.dropped).toEqual([expect.objectContaining({ kid: 'umFDVUdIS8Y=', code: 'DSC_EXPIRED' })]);
    expect(r.notices).toContainEqual(expect.objectContaining({ kid: '7JrRaPUKp3U=', code: 'SCA_EXPIRED' }));
    expect(r.notices).toContainEqual(expect.objectContaining({ kid: '/2jkqt/zy9g=', code: 'KID_FRAGMENT_UNESCAPED' }));
  });

  it.each(['-/IDN/did.json', 'DCC/IDN/did.json'])('%s before 2025-02-14: Indonesia’s DSC is a signer in force (ID, DCC domain)', async (rel) => {
    const r = await parse(list(rel), BEFORE);
    expect(r.dropped).toEqual([]);
    expect(r.signers).toHaveLength(1);
    expect(r.signers[0]).toMatchObject({ kid: 'umFDVUdIS8Y=', country: 'ID', domains: ['DCC'], notAfter: new Date('2025-02-14T18:11:42Z') });
  });

  it.each(['-/IDN/DSC/did.json', 'DCC/IDN/DSC/did.json', '-/THA/DSC/did.json', 'DCC/THA/DSC/did.json'])(
    '%s (a DSC-only list) verifies, but no DSC counts: no SCA of its participant in the same list (NO_CHAIN each)',
    async (rel) => {
      const r = await parse(list(rel), BEFORE);
      const dscs = vmsOf(list(rel)).length;
      expect(r.signers).toEqual([]);
      expect(count(r.dropped)).toEqual({ NO_CHAIN: dscs });
    },
  );

  it.each(['-/THA/did.json', 'DCC/THA/did.json'])('%s: the 3 EC DSCs chain to the RSA CSCA that is not self-signed; in force or reported expired', async (rel) => {
    const r = await parse(list(rel), AT);
    const dscs = vmsOf(list(rel)).filter((v) => v.keyusage.code === '#DSC');
    expect(dscs).toHaveLength(3);
    expect(r.signers.length + r.dropped.filter((d) => d.code === 'DSC_EXPIRED').length).toBe(3);
    expect(r.dropped.filter((d) => d.code !== 'DSC_EXPIRED')).toEqual([]);
    expect((await parse(list(rel), new Date('2024-01-01T00:00:00Z'))).signers.length).toBeGreaterThan(0);
    expect(count(r.notices)['JWK_RSA_ENCODING']).toBe(1);
  });

  it.each(['-/SGP/did.json', 'DCC/SGP/did.json', '-/MYS/did.json', 'DCC/MYS/did.json'])('%s: CSCAs only (no DSC document is published): no signer, nothing refused', async (rel) => {
    const r = await parse(list(rel));
    expect(r.signers).toEqual([]);
    expect(r.dropped).toEqual([]);
    expect(vmsOf(list(rel)).every((v) => v.keyusage.code === '#CSCA')).toBe(true);
  });
});

describe('gdhcn-did on DEV v2.0.0 documents (no coded members, per-kid folders, base64(kid) kids)', () => {
  const fixture = (name: string): Buffer => readFileSync(path.join(FIXTURES, name));
  const devParse = (bytes: Buffer, at: Date) => parse(bytes, at, anchor('dev'));

  it('a participant document: domain and participant from the id path, usage from the certificate, kids unwrapped; the DSCs chain', async () => {
    const r = await devParse(fixture('trustlist-DCC-SGP.did.json'), new Date('2024-09-01T00:00:00Z'));
    expect(r.signers).toHaveLength(4);
    for (const s of r.signers) expect(s).toMatchObject({ country: 'SG', domains: ['DCC'] });
    expect(r.dropped).toEqual([]);
    expect(count(r.notices)).toMatchObject({ CODES_FROM_PATH: 5, USAGE_FROM_CERTIFICATE: 5, KID_BASE64_WRAPPED: 5 });
    const late = await devParse(fixture('trustlist-DCC-SGP.did.json'), AT);
    expect(count(late.dropped)).toEqual({ DSC_EXPIRED: 4 });
  });

  it('a per-kid SCA document verifies with the DEV anchor, not with PROD', async () => {
    const r = await devParse(fixture('trustlist-DCC-IDN-SCA-U1k1b0JVSG9RS0E9.did.json'), AT);
    expect(r.notices).toContainEqual(expect.objectContaining({ kid: 'SY5oBUHoQKA=', code: 'KID_BASE64_WRAPPED' }));
    expect(r.notices).toContainEqual(expect.objectContaining({ code: 'CODES_FROM_PATH' }));
    await expect(parse(fixture('trustlist-DCC-IDN-SCA-U1k1b0JVSG9RS0E9.did.json'), AT)).rejects.toMatchObject({ code: 'SIGNATURE_INVALID' });
  });

  it('path levels: v2 and v2.0.0 ids, wildcards, SCA read as CSCA, per-kid level ignored', () => {
    expect(pathLevels('did:web:tng-cdn.who.int:v2:trustlist:DCC:IDN:SCA#/2jkqt/zy9g=')).toEqual({ domain: 'DCC', participant: 'IDN', usage: 'CSCA' });
    expect(pathLevels('did:web:tng-cdn.who.int:v2:trustlist:-:IDN:DSC')).toEqual({ participant: 'IDN', usage: 'DSC' });
    expect(pathLevels('did:web:tng-cdn.who.int:v2:trustlist:DDCC:-:DSC')).toEqual({ domain: 'DDCC', usage: 'DSC' });
    expect(pathLevels('did:web:worldhealthorganization.github.io:tng-cdn-dev:v2.0.0:trustlist:DCC:IDN:SCA:U1k1b0JVSG9RS0E9')).toEqual({ domain: 'DCC', participant: 'IDN', usage: 'CSCA' });
    expect(pathLevels('did:web:tng-cdn.who.int:v2:trustlist')).toEqual({});
  });

  it('kid fragments: percent-encoded, unescaped + and /, a fragment naming another kid: notices with their codes', () => {
    const codes = (id: string, kid: string) => fragmentFindings(id, kid, kid).map((f) => `${f.kind}:${f.code}`);
    expect(codes('did:x:DSC#SY5oBUHoQKA%3D', 'SY5oBUHoQKA=')).toEqual(['notice:KID_FRAGMENT_PERCENT_ENCODED']);
    expect(codes('did:x:SCA#/2jkqt/zy9g=', '/2jkqt/zy9g=')).toEqual(['notice:KID_FRAGMENT_UNESCAPED']);
    expect(codes('did:x:SCA#%2F2jkqt%2Fzy9g%3D', '/2jkqt/zy9g=')).toEqual(['notice:KID_FRAGMENT_PERCENT_ENCODED']);
    expect(codes('did:x:DSC#AAAAAAAAAAA=', 'SY5oBUHoQKA=')).toEqual(['notice:KID_FRAGMENT_MISMATCH']);
    expect(codes('did:x:DSC#SY5oBUHoQKA=', 'SY5oBUHoQKA=')).toEqual([]);
    expect(codes('did:x:DSC#%E0%A4%A', 'x')).toEqual(['notice:KID_FRAGMENT_INVALID']);
  });
});

describe.skipIf(!present)('a broken PROD proof through the refresher', () => {
  let server: TestServer;
  let served: Buffer;
  let clock = BEFORE;
  let r: TrustRefresher;
  const good = (): Buffer => list('-/IDN/did.json');

  beforeAll(async () => {
    server = await startServer();
    served = good();
    server.handle((req, res) => serveBytes(served)(req, res));
    const dir = tempDir('gdhcn-prod-');
    mkdirSync(path.join(dir, 'anchors'));
    copyFileSync(anchorFile('prod'), path.join(dir, 'anchors/who-gdhcn-prod-signing-did.json'));
    writeFileSync(
      path.join(dir, 'sources.json'),
      JSON.stringify({ sources: [{ id: 'who-gdhcn-prod-idn', type: 'gdhcn-did', url: server.url('/v2/trustlist/-/IDN/did.json'), anchor: 'anchors/who-gdhcn-prod-signing-did.json' }] }),
    );
    r = await TrustRefresher.open({ dir, dataDir: path.join(dir, 'data'), now: () => clock });
    await r.refresh();
  });
  afterAll(async () => {
    await server?.close();
  });
  const status = () => r.store.current().sources.find((s) => s.id === 'who-gdhcn-prod-idn')!;

  it('the good list loads: Indonesia’s DSC in force at a 2024 clock', () => {
    expect(status()).toMatchObject({ signerCount: 1, errorCode: null, countries: { ID: 1 } });
    expect(r.store.current().resolver.dcc('umFDVUdIS8Y=')).toHaveLength(1);
  });

  it.each([
    ['one byte of a certificate', (text: string) => text.replace('MIIC', 'MIID')],
    ['one byte of the signature', (text: string) => text.replace(/("jws":"[^"]*\.\.)(.)/, (_m, head: string, c: string) => head + (c === 'M' ? 'N' : 'M'))],
    ['one byte of the participant code', (text: string) => text.replace('"#IDN"', '"#IND"')],
  ])('%s changed: the whole list is refused (SIGNATURE_INVALID) and the previous good list stays in force', async (_name, mutate) => {
    const text = good().toString('utf8');
    const bad = mutate(text);
    expect(bad).not.toBe(text);
    expect(Buffer.byteLength(bad)).toBe(Buffer.byteLength(text));
    served = Buffer.from(bad);
    clock = new Date(BEFORE.getTime() + 60_000);
    await r.refresh();
    expect(status()).toMatchObject({ signerCount: 1, errorCode: 'SIGNATURE_INVALID', stale: true });
    expect(r.store.current().resolver.dcc('umFDVUdIS8Y=')).toHaveLength(1);
    served = good();
  });
});

describe.skipIf(!present)('/v1/trust shows Indonesia’s PROD entries (supertest through the app)', () => {
  const services: Service[] = [];
  afterAll(async () => {
    for (const s of services) await s.close();
  });
  const serviceAt = async (now: Date): Promise<Service> => {
    const dir = tempDir('gdhcn-prod-app-');
    mkdirSync(path.join(dir, 'anchors'));
    copyFileSync(anchorFile('prod'), path.join(dir, 'anchors/who-gdhcn-prod-signing-did.json'));
    writeFileSync(path.join(dir, 'who-gdhcn-prod-idn.json'), list('-/IDN/did.json'));
    writeFileSync(
      path.join(dir, 'sources.json'),
      JSON.stringify({ sources: [{ id: 'who-gdhcn-prod-idn', type: 'gdhcn-did', file: 'who-gdhcn-prod-idn.json', anchor: 'anchors/who-gdhcn-prod-signing-did.json' }] }),
    );
    const s = await createService({ trustListsDir: dir, dataDir: tempDir('gdhcn-prod-data-'), now: () => now, logger: createLogger({ level: 'silent' }), trustRefresh: false });
    services.push(s);
    return s;
  };
  const source = (body: { sources: { id: string }[] }) => body.sources.find((s) => s.id === 'who-gdhcn-prod-idn') as Record<string, unknown>;

  it('at a 2026 clock: the expired DSC is listed as DSC_EXPIRED, the SCAs’ quirks as notices, no signer in force', async () => {
    const res = await request((await serviceAt(AT)).app).get('/v1/trust');
    expect(res.status).toBe(200);
    const s = source(res.body);
    expect(s).toMatchObject({ type: 'gdhcn-did', signerCount: 0, droppedTotal: 1, droppedCodes: { DSC_EXPIRED: 1 }, lastError: null });
    expect(s.dropped).toEqual([expect.objectContaining({ kid: 'umFDVUdIS8Y=', code: 'DSC_EXPIRED' })]);
    expect(s.noticeCodes).toMatchObject({ SCA_EXPIRED: 1, KID_FRAGMENT_UNESCAPED: 1 });
  });

  it('before 2025-02-14: Indonesia’s DSC is in force and counted under ID', async () => {
    const res = await request((await serviceAt(BEFORE)).app).get('/v1/trust');
    expect(res.status).toBe(200);
    expect(source(res.body)).toMatchObject({ signerCount: 1, countries: { ID: 1 }, dropped: [] });
    expect(res.body.countries).toMatchObject({ ID: 1 });
  });
});
