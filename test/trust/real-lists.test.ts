// The real lists load through the same code path as a download (a loopback server serves the
// files from shared/vectors): the German prod list, the WHO GDHCN DEV DID lists and the VCI
// snapshot, each with its signature verified against its pinned anchor. Then the ways the
// WHO proof must fail: tampering, unpinned contexts, unsigned (unmapped) members, another key.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GDHCN_CONTEXT_FILES } from '../../src/trust/contexts/index.js';
import { TrustRefresher } from '../../src/trust/refresher.js';
import { parseGdhcnDid } from '../../src/trust/sources/gdhcn-did.js';
import { kidOf } from '../../src/trust/signer.js';
import { serveBytes, startServer, tempDir, type TestServer, VECTORS, vectorsPresent } from './helpers.js';

const present = vectorsPresent('trust-lists/who-gdhcn-dev') && vectorsPresent('trust-lists/de-dsc-list') && vectorsPresent('trust-lists/vci');
const TL = path.join(VECTORS, 'trust-lists');
const WHO = path.join(TL, 'who-gdhcn-dev');
const read = (p: string): Buffer => readFileSync(path.join(TL, p));
const AT = new Date('2026-11-25T10:00:00Z');

describe.skipIf(!present)('real lists served by a loopback server', () => {
  let server: TestServer;
  let r: TrustRefresher;
  const files: Record<string, Buffer> = {};
  let served: Record<string, Buffer>;

  beforeAll(async () => {
    server = await startServer();
    files['/de'] = read('de-dsc-list/dsc-list.json');
    files['/who/root'] = read('who-gdhcn-dev/v2/trustlist/did.json');
    files['/who/dcc'] = read('who-gdhcn-dev/v2/trustlist/DCC/did.json');
    files['/vci/snapshot'] = read('vci/vci_snapshot.json');
    files['/vci/sig'] = read('vci/vci_snapshot.sig');
    served = { ...files };
    server.handle((req, res) => {
      const body = served[req.url ?? ''];
      if (!body) {
        res.statusCode = 404;
        res.end();
        return;
      }
      serveBytes(body)(req, res);
    });
    const dir = tempDir('real-lists-');
    writeFileSync(path.join(dir, 'de.pem'), read('de-dsc-list/dsc-list-signing-key.pem'));
    writeFileSync(path.join(dir, 'who.json'), read('who-gdhcn-dev/anchors/WHO-signing-did.json'));
    writeFileSync(path.join(dir, 'vci.crt'), read('vci/vci_snapshot.crt'));
    writeFileSync(
      path.join(dir, 'sources.json'),
      JSON.stringify({
        sources: [
          { id: 'de', type: 'de-dsc-list', url: server.url('/de'), anchor: 'de.pem' },
          { id: 'who', type: 'gdhcn-did', url: server.url('/who/root'), anchor: 'who.json' },
          { id: 'who-dcc', type: 'gdhcn-did', url: server.url('/who/dcc'), anchor: 'who.json' },
          { id: 'vci', type: 'vci-snapshot', url: server.url('/vci/snapshot'), signature: server.url('/vci/sig'), anchor: 'vci.crt' },
        ],
      }),
    );
    r = await TrustRefresher.open({ dir, dataDir: path.join(dir, 'data'), now: () => AT });
    await r.refresh();
  });
  afterAll(async () => {
    await server?.close();
  });

  const status = (id: string) => r.store.current().sources.find((s) => s.id === id)!;

  it('the German prod list: 829 DSCs from 77 countries, signature verified', () => {
    expect(status('de')).toMatchObject({ signerCount: 829, origin: 'url', lastError: null, listTimeKind: 'newest-entry' });
    expect(Object.keys(status('de').countries)).toHaveLength(77);
  });

  it('the WHO DEV root list: every DSC (all domains) that chains to a CSCA of its participant and is unexpired, each other one reported', () => {
    const doc = JSON.parse(files['/who/root']!.toString('utf8')) as { verificationMethod: { publicKeyJwk: { kid: string }; domain: { code: string }; keyusage: { code: string } }[] };
    const dscs = doc.verificationMethod.filter((v) => v.keyusage.code === '#DSC');
    expect(dscs).toHaveLength(109);
    // 109 = 63 in force + ABCDEFGH (kid) + one URY DSC no listed SCA signed + 44 expired at AT (gdhcn-did.ts).
    expect(status('who')).toMatchObject({ signerCount: 63, droppedTotal: 46, listTime: '2026-08-22T18:00:02.000Z', listTimeKind: 'signed' });
    expect(status('who').droppedCodes).toEqual({ KID_MISMATCH: 1, NO_CHAIN: 1, DSC_EXPIRED: 44 });
    expect(status('who').dropped[0]).toMatchObject({ kid: 'ABCDEFGH', code: 'KID_MISMATCH' });
    // Keys come from x5c[0]: each kid is the certificate's, in force or reported, never silently gone.
    const reported = new Set(status('who').dropped.map((d) => d.kid));
    for (const { publicKeyJwk: { kid } } of dscs) expect(r.store.current().resolver.dcc(kid).length > 0 || reported.has(kid), kid).toBe(true);
  });

  it('the WHO DEV DCC list: DSCs whose CSCA sits under another domain (absent here) do not chain', () => {
    expect(status('who-dcc')).toMatchObject({ signerCount: 15, droppedTotal: 23 });
    expect(status('who-dcc').droppedCodes).toEqual({ KID_MISMATCH: 1, NO_CHAIN: 9, DSC_EXPIRED: 13 });
  });

  it('the VCI snapshot: 961 P-256 keys of 650 issuers, indexed by (iss, kid)', () => {
    expect(status('vci')).toMatchObject({ signerCount: 961, droppedTotal: 0, listTime: '2026-08-22T04:43:50.000Z' });
    const snap = JSON.parse(files['/vci/snapshot']!.toString('utf8')) as { issuerInfo: { issuer: { iss: string }; keys: { kid: string }[] }[] };
    const shared = snap.issuerInfo.filter((i) => i.keys.length > 0).slice(0, 20);
    for (const info of shared) expect(r.store.current().resolver.shc(info.issuer.iss, info.keys[0]!.kid)).toHaveLength(1);
  });

  it('a tampered signature file or list keeps the lists in force, and says so', async () => {
    const sig = Buffer.from(files['/vci/sig']!);
    sig[sig.length - 3] = sig[sig.length - 3]! ^ 1;
    served['/vci/sig'] = sig;
    const doc = JSON.parse(files['/who/root']!.toString('utf8')) as { verificationMethod: { participant: { code: string } }[] };
    doc.verificationMethod[0]!.participant.code = '#IDN';
    served['/who/root'] = Buffer.from(JSON.stringify(doc));
    await r.refresh(['vci', 'who']);
    expect(status('vci')).toMatchObject({ signerCount: 961, errorCode: 'SIGNATURE_INVALID', stale: true });
    expect(status('who')).toMatchObject({ signerCount: 63, errorCode: 'SIGNATURE_INVALID', stale: true });
    served = { ...files };
  });

  it('rollback: an older (validly signed) WHO list after a newer one is refused', async () => {
    served['/who/dcc'] = files['/who/root']!; // created 18:00:02, the DCC list in force 18:00:06
    await r.refresh(['who-dcc']);
    expect(status('who-dcc')).toMatchObject({ signerCount: 15, errorCode: 'ROLLBACK' });
    served = { ...files };
  });
});

describe.skipIf(!present)('WHO GDHCN proof: what must not verify', () => {
  const anchor = readFileSync(path.join(WHO, 'anchors/WHO-signing-did.json'));
  const ddcc = readFileSync(path.join(WHO, 'v2/trustlist/DDCC/did.json'), 'utf8');
  const parse = (doc: unknown, anc: Uint8Array = anchor) =>
    parseGdhcnDid({ def: { id: 'who', type: 'gdhcn-did', url: 'https://x' }, bytes: Buffer.from(typeof doc === 'string' ? doc : JSON.stringify(doc)), anchor: anc, origin: 'url' });

  it('the real DDCC list verifies (2 entries, no DSC) and reordering members changes nothing', async () => {
    await expect(parse(ddcc)).resolves.toMatchObject({ signers: [], dropped: [] });
    const doc = JSON.parse(ddcc) as Record<string, unknown>;
    const reordered = Object.fromEntries(Object.entries(doc).reverse());
    await expect(parse(reordered)).resolves.toMatchObject({ signers: [] });
  });

  it.each([
    ['a changed key usage', (d: any) => (d.verificationMethod[1].keyusage.code = '#DSC')],
    ['a changed nonce', (d: any) => (d.proof.nonce = d.proof.nonce.replace(/.$/, 'x'))],
    ['a changed created', (d: any) => (d.proof.created = '2026-08-22T18:00:08Z')],
    ['another alg in the header', (d: any) => (d.proof.jws = Buffer.from('{"alg":"ES384","b64":false,"crit":["b64"]}').toString('base64url') + d.proof.jws.slice(d.proof.jws.indexOf('.')))],
  ])('%s fails the proof', async (_name, mutate) => {
    const doc = JSON.parse(ddcc);
    mutate(doc);
    await expect(parse(doc)).rejects.toMatchObject({ code: 'SIGNATURE_INVALID' });
  });

  it('an unmapped (unsigned) member is refused by safe mode, not silently ignored', async () => {
    const doc = JSON.parse(ddcc);
    doc.foo = 'bar';
    await expect(parse(doc)).rejects.toMatchObject({ code: 'SIGNATURE_INVALID', message: expect.stringMatching(/safe mode/) });
  });

  it('an unknown context is never fetched', async () => {
    const doc = JSON.parse(ddcc);
    doc['@context'].push('https://evil.example/context.jsonld');
    await expect(parse(doc)).rejects.toMatchObject({ code: 'CONTEXT_UNPINNED' });
  });

  it('another signing key (the UAT DID key under the DEV DID name) does not verify', async () => {
    const other = JSON.parse(anchor.toString('utf8'));
    other.verificationMethod[0].publicKeyJwk.x = 'VgS8MAfbsTcXnfKr-dRjnfumq7UP91ntO1cOlQ4hmrI';
    other.verificationMethod[0].publicKeyJwk.y = '2ryjnUatlK3kwDE_LHK7vFiQRJKPxKn31-KjYZlGrIE';
    await expect(parse(ddcc, Buffer.from(JSON.stringify(other)))).rejects.toMatchObject({ code: 'SIGNATURE_INVALID' });
  });

  it('the pinned contexts shipped in src/trust/contexts equal the vectors copies byte for byte', () => {
    const vec: Record<string, string> = {
      'did-v1.json': 'tngkds-did_v1.json',
      'jws-2020-v1.json': 'tngkds-jws-2020_v1.json',
      'security-v3-unstable.json': 'security-v3-unstable.jsonld',
      'tng-context-v1-dev.json': 'tngkds-v1-dev.jsonld',
      'tng-context-v1-uat.json': 'tngkds-v1-uat.jsonld',
      'tng-context-v1.json': 'tngkds-v1.jsonld',
    };
    const here = fileURLToPath(new URL('../../src/trust/contexts/', import.meta.url));
    for (const file of Object.values(GDHCN_CONTEXT_FILES)) {
      expect(readFileSync(path.join(here, file)).equals(readFileSync(path.join(WHO, 'contexts', vec[file]!))), file).toBe(true);
    }
  });

  it('kids are recomputed from x5c[0]', () => {
    const doc = JSON.parse(readFileSync(path.join(WHO, 'v2/trustlist/DCC/IDN/did.json'), 'utf8'));
    const vm = doc.verificationMethod[0];
    expect(kidOf(Buffer.from(vm.publicKeyJwk.x5c[0], 'base64'))).toBe(vm.publicKeyJwk.kid);
  });
});
