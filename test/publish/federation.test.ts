// Signed re-publication between two instances on loopback (contract "Re-publication"): instance B
// is configured with A's GET /v1/trust/export as a `de-dsc-list` source pinned to A's key
// (GET /v1/trust/export/key as its `anchor`). B then verifies the same certificates and refuses
// the same forgeries as A; a tampered export is refused whole and B keeps its last good copy; B
// restarted while A is down still trusts A's signers (the last good copy in DATA_DIR). The export's
// signature is also checked here with WebCrypto (raw r‖s ECDSA), independently of our reader.
// Certificates are signed by the demo PKI (@peculiar/x509) through the test helper.
import { createHash, webcrypto } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeDsc, type DemoCertificate } from '../../scripts/demo/pki.js';
import { vaccination } from '../../scripts/demo/samples.js';
import { issueHc1 } from '../../scripts/demo/sign-hc1.js';
import { hc1, testPki, type TestPki } from '../helpers/service.js';
import { dgcgList, listen, tmp, writeTrust, type Listening } from './helpers.js';

const AT = '2021-10-01T10:00:00Z';
const seconds = (iso: string) => Math.floor(Date.parse(iso) / 1000);

/** A loopback proxy in front of A that can alter the export on its way to B (or be down). */
class TamperingProxy {
  mode: 'pass' | 'tamper' = 'pass';
  notModified = 0;
  server!: Server;
  base = '';
  constructor(readonly target: () => string) {}
  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', this.target());
      const upstream = httpRequest(url, { method: req.method, headers: { ...req.headers, host: url.host } }, (up) => {
        const chunks: Buffer[] = [];
        up.on('data', (c: Buffer) => chunks.push(c));
        up.on('end', () => {
          if (up.statusCode === 304) this.notModified++;
          let body: Buffer = Buffer.concat(chunks);
          if (this.mode === 'tamper' && up.statusCode === 200) body = this.tampered(body);
          const headers = { ...up.headers, 'content-length': String(body.length) };
          res.writeHead(up.statusCode ?? 502, headers).end(body);
        });
      });
      upstream.on('error', () => res.writeHead(502).end());
      req.pipe(upstream);
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }
  /** Adds one more certificate (the stranger's) to the signed JSON, leaving the signature line as it was. */
  stranger: DemoCertificate | undefined;
  tampered(body: Buffer): Buffer {
    const text = body.toString('utf8');
    const lf = text.indexOf('\n');
    const json = JSON.parse(text.slice(lf + 1)) as { certificates: object[] };
    const der = this.stranger!.der;
    json.certificates.push({
      certificateType: 'DSC',
      country: 'XA',
      kid: Buffer.from(this.stranger!.kid).toString('base64'),
      rawData: Buffer.from(der).toString('base64'),
      thumbprint: createHash('sha256').update(der).digest('hex'),
      timestamp: '2030-01-01T00:00:00.000Z',
    });
    return Buffer.from(`${text.slice(0, lf)}\n${JSON.stringify(json)}`, 'utf8');
  }
  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

async function verdict(svc: Listening, qr: string): Promise<{ outcome: string; codes: string[]; status: string }> {
  const res = await fetch(`${svc.base}/v1/verify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ qr, at: AT }) });
  expect(res.status).toBe(200);
  const r = (await res.json()) as { outcome: string; errors: { code: string }[]; domestic: { status: string } };
  return { outcome: r.outcome, codes: r.errors.map((e) => e.code), status: r.domestic.status };
}

let pki: TestPki;
let extra: DemoCertificate;
let a: Listening;
let b: Listening;
let proxy: TamperingProxy;
let aTrustDir: string;
let bTrustDir: string;
let bDataDir: string;
let qrs: Record<string, string>;

async function startB(): Promise<Listening> {
  return listen({ trustListsDir: bTrustDir, dataDir: bDataDir, trustRefresh: false });
}

beforeAll(async () => {
  pki = await testPki();
  extra = await makeDsc(pki.csca, { country: 'XA', name: 'Federation extra DSC', notBefore: new Date('2021-01-01T00:00:00Z'), notAfter: new Date('2031-01-01T00:00:00Z') });
  aTrustDir = writeTrust(tmp('lintas-trust-a-'), [{ id: 'local', type: 'dgcg-trustlist', file: 'dsc.json' }], {
    'dsc.json': dgcgList([pki.ec, pki.rsa, pki.testOnly, extra]),
  });
  a = await listen({ trustListsDir: aTrustDir, dataDir: tmp('lintas-data-a-'), trustRefresh: false });
  proxy = new TamperingProxy(() => a.base);
  proxy.stranger = pki.stranger;
  await proxy.start();
  bTrustDir = tmp('lintas-trust-b-');
  mkdirSync(join(bTrustDir, 'anchors'));
  // The partner pins A's key: the PEM A serves, saved once as B's anchor.
  writeFileSync(join(bTrustDir, 'anchors', 'lintas-a.pem'), await (await fetch(`${a.base}/v1/trust/export/key`)).text());
  writeTrust(bTrustDir, [{ id: 'lintas-a', type: 'de-dsc-list', url: `${proxy.base}/v1/trust/export`, anchor: 'anchors/lintas-a.pem' }], {});
  bDataDir = tmp('lintas-data-b-');
  b = await startB();
  await b.service.trustRefresher.refresh();

  const dcc = vaccination({ dn: 2, sd: 2, dt: '2021-08-01' });
  const valid = hc1(pki, dcc);
  // The forgery: a certificate signed by an unlisted key under the kid of a listed signer.
  const spoofed = issueHc1(
    { iss: 'XA', iat: seconds('2021-09-01T00:00:00Z'), exp: seconds('2030-12-01T00:00:00Z'), dcc },
    { alg: 'ES256', key: pki.stranger.privateKey, kid: pki.ec.kid },
  );
  qrs = {
    validEc: valid,
    validRsa: hc1(pki, dcc, { signer: 'rsa' }),
    validExtra: issueHc1({ iss: 'XA', iat: seconds('2021-09-01T00:00:00Z'), exp: seconds('2030-12-01T00:00:00Z'), dcc }, { alg: 'ES256', key: extra.privateKey, kid: extra.kid }),
    testOnlyKeyUsage: hc1(pki, dcc, { signer: 'testOnly' }),
    unknownSigner: hc1(pki, dcc, { signer: 'stranger' }),
    spoofedKid: spoofed,
  };
});

afterAll(async () => {
  await b?.stop();
  await proxy?.stop();
  await a?.stop();
});

describe('GET /v1/trust/export', () => {
  it('is the de-dsc-list format, signed with the published key (checked with WebCrypto)', async () => {
    const res = await fetch(`${a.base}/v1/trust/export`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toMatch(/max-age=\d+/);
    expect(res.headers.get('etag')).toBeTruthy();
    const bytes = Buffer.from(await res.arrayBuffer());
    const lf = bytes.indexOf(0x0a);
    const signature = Buffer.from(bytes.subarray(0, lf).toString('latin1'), 'base64');
    expect(signature.length).toBe(64);
    const payload = bytes.subarray(lf + 1);
    const pem = await (await fetch(`${a.base}/v1/trust/export/key`)).text();
    const spki = Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
    const key = await webcrypto.subtle.importKey('spki', spki, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify']);
    expect(await webcrypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, key, signature, payload)).toBe(true);
    const list = JSON.parse(payload.toString('utf8')) as { certificates: Record<string, string>[] };
    const expected = [pki.ec, pki.rsa, pki.testOnly, extra].map((c) => createHash('sha256').update(c.der).digest('hex')).sort();
    expect(list.certificates.map((c) => c['thumbprint']).sort()).toEqual(expected);
    for (const c of list.certificates) {
      expect(Object.keys(c).sort()).toEqual(['certificateType', 'country', 'kid', 'rawData', 'thumbprint', 'timestamp']);
      expect(c['certificateType']).toBe('DSC');
      expect(c['kid']).toBe(createHash('sha256').update(Buffer.from(c['rawData']!, 'base64')).digest().subarray(0, 8).toString('base64'));
    }
  });

  it('is the same list while the snapshot stays (same ETag, 304 on If-None-Match)', async () => {
    const one = await fetch(`${a.base}/v1/trust/export`);
    const two = await fetch(`${a.base}/v1/trust/export`);
    expect(two.headers.get('etag')).toBe(one.headers.get('etag'));
    expect(Buffer.from(await two.arrayBuffer()).equals(Buffer.from(await one.arrayBuffer()))).toBe(true);
    const again = await fetch(`${a.base}/v1/trust/export`, { headers: { 'If-None-Match': one.headers.get('etag')! } });
    expect(again.status).toBe(304);
  });
});

describe('instance B pinned to A’s export', () => {
  it('trusts A’s signers: B verifies the same certificates and refuses the same forgeries', async () => {
    const source = ((await (await fetch(`${b.base}/v1/trust`)).json()) as { sources: { id: string; signerCount: number; lastError: string | null; origin: string }[] }).sources[0]!;
    expect(source).toMatchObject({ id: 'lintas-a', signerCount: 4, lastError: null, origin: 'url' });
    for (const [name, qr] of Object.entries(qrs)) {
      const [va, vb] = [await verdict(a, qr), await verdict(b, qr)];
      expect(vb, name).toEqual(va);
    }
    expect((await verdict(b, qrs['validEc']!)).outcome).toBe('VALID');
    expect((await verdict(b, qrs['validRsa']!)).outcome).toBe('VALID');
    expect((await verdict(b, qrs['unknownSigner']!)).codes).toEqual(['KID_UNKNOWN']);
    expect((await verdict(b, qrs['spoofedKid']!)).codes).toEqual(['SIGNATURE_INVALID']);
    expect((await verdict(b, qrs['testOnlyKeyUsage']!)).codes).toContain('KEY_USAGE_MISMATCH');
  });

  it('a refresh while A’s snapshot is unchanged is answered 304 (ETag) and changes nothing', async () => {
    const before = proxy.notModified;
    await b.service.trustRefresher.refresh();
    expect(proxy.notModified).toBe(before + 1);
    const source = ((await (await fetch(`${b.base}/v1/trust`)).json()) as { sources: { lastError: string | null; signerCount: number }[] }).sources[0]!;
    expect(source).toMatchObject({ lastError: null, signerCount: 4 });
  });

  it('a tampered export (one certificate added) is refused whole; B keeps its last good copy', async () => {
    proxy.mode = 'tamper';
    // Change A's snapshot so B does not get a 304 for the copy it has.
    writeFileSync(join(aTrustDir, 'dsc.json'), dgcgList([pki.ec, pki.rsa, pki.testOnly]));
    await a.service.trustRefresher.refresh();
    try {
      await b.service.trustRefresher.refresh();
    } finally {
      proxy.mode = 'pass';
    }
    const source = ((await (await fetch(`${b.base}/v1/trust`)).json()) as { sources: { errorCode?: string; stale: boolean; signerCount: number }[] }).sources[0]!;
    expect(source).toMatchObject({ errorCode: 'SIGNATURE_INVALID', stale: true, signerCount: 4 });
    // Neither the added stranger nor A's change reached B: the previous list is in force.
    expect((await verdict(b, qrs['unknownSigner']!)).codes).toEqual(['KID_UNKNOWN']);
    expect((await verdict(b, qrs['validExtra']!)).outcome).toBe('VALID');
  });

  it('A drops a signer: B’s next refresh takes the new list (later timestamp, no rollback) and refuses it too', async () => {
    await b.service.trustRefresher.refresh();
    const source = ((await (await fetch(`${b.base}/v1/trust`)).json()) as { sources: { errorCode?: string | null; lastError: string | null; signerCount: number }[] }).sources[0]!;
    expect(source).toMatchObject({ lastError: null, signerCount: 3 });
    const [va, vb] = [await verdict(a, qrs['validExtra']!), await verdict(b, qrs['validExtra']!)];
    expect(va.codes).toEqual(['KID_UNKNOWN']);
    expect(vb).toEqual(va);
  });

  it('B restarted while A is down still trusts A’s signers (last good copy in DATA_DIR)', async () => {
    await b.stop();
    await proxy.stop();
    await a.stop();
    b = await startB();
    const source = ((await (await fetch(`${b.base}/v1/trust`)).json()) as { sources: { origin: string; signerCount: number }[] }).sources[0]!;
    expect(source).toMatchObject({ origin: 'snapshot', signerCount: 3 });
    expect((await verdict(b, qrs['validEc']!)).outcome).toBe('VALID');
    // A refresh against the stopped exporter fails and changes nothing.
    await b.service.trustRefresher.refresh();
    expect((await verdict(b, qrs['validRsa']!)).outcome).toBe('VALID');
    expect((await verdict(b, qrs['spoofedKid']!)).codes).toEqual(['SIGNATURE_INVALID']);
  });
});
