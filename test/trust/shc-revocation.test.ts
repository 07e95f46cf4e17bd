// SMART Health Card revocation end to end (SHC spec "Revocation"): the issuer's per-key CRL
// reaches the revocation check through the same path production takes — a `jwks` source whose
// `crl` is a file or a URL, and the VCI snapshot's own `crls` — and a card answers REVOKED or
// VALID over HTTP. The cards, keys and CRL are the SMART Health Cards spec examples
// (smart-on-fhir/health-cards, read in place from ../shared/vectors): nothing here was signed by us.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createService, type Service } from '../../src/compose.js';
import { createLogger } from '../../src/logger.js';
import { TrustRefresher } from '../../src/trust/refresher.js';
import { LogCapture } from '../helpers/service.js';
import { serveBytes, startServer, tempDir, type TestServer, VECTORS, vectorsPresent } from './helpers.js';

const SPEC = path.join(VECTORS, 'smart-health-cards/spec-examples/examples');
const ISS = 'https://spec.smarthealth.cards/examples/issuer';
const CRL = 'issuer/.well-known/crl/3Kfdg-XwP-7gXyywtUfUADwBumDOPKMQx-iELL11W9s.json';
// After every example's nbf; example 03's rid is revoked for cards issued before 2023-06-22.
const AT = '2024-01-01T00:00:00Z';
const present = vectorsPresent('smart-health-cards/spec-examples/examples') && vectorsPresent('trust-lists/vci');
const card = (n: string) => readFileSync(path.join(SPEC, `example-${n}-f-qr-code-numeric-value-0.txt`), 'utf8').trim();

async function serviceWith(crl: string | undefined): Promise<Service> {
  const dir = tempDir('shc-crl-');
  mkdirSync(path.join(dir, 'shc'), { recursive: true });
  copyFileSync(path.join(SPEC, 'issuer/.well-known/jwks.json'), path.join(dir, 'shc/jwks.json'));
  if (crl && !/^https?:/.test(crl)) copyFileSync(path.join(SPEC, CRL), path.join(dir, crl));
  writeFileSync(path.join(dir, 'sources.json'), JSON.stringify({ sources: [{ id: 'spec-issuer', type: 'jwks', iss: ISS, file: 'shc/jwks.json', ...(crl ? { crl } : {}) }] }));
  return createService({
    trustListsDir: dir,
    dataDir: path.join(dir, 'data'),
    logger: createLogger({ level: 'info', destination: new LogCapture() }),
    now: () => new Date(AT),
    trustRefresh: false,
  });
}

type Body = { outcome: string; errors: { code: string }[]; checks: { name: string; passed: boolean; applies?: boolean; reason?: string; code?: string }[] };
const verify = async (svc: Service, qr: string): Promise<Body> =>
  (await request(svc.app).post('/v1/verify').set('content-type', 'application/json').send({ qr, at: AT })).body as Body;
const revocationCheck = (b: Body) => b.checks.find((c) => c.name === 'revocation');

describe.skipIf(!present)('SHC rid revocation through the trust sources', () => {
  let server: TestServer;
  let crlUp = true;
  beforeAll(async () => {
    server = await startServer();
    server.handle((req, res) => {
      if (req.url === '/crl.json' && crlUp) return serveBytes(readFileSync(path.join(SPEC, CRL)))(req, res);
      res.statusCode = 503;
      res.end();
    });
  });
  afterAll(async () => server?.close());

  it('a jwks source with its CRL file: example 03 (rid listed, issued before the rid timestamp) → REVOKED; example 00 → VALID', async () => {
    const svc = await serviceWith('shc/crl.json');
    const revoked = await verify(svc, card('03'));
    expect(revoked.outcome).toBe('INVALID');
    expect(revoked.errors.map((e) => e.code)).toEqual(['REVOKED']);
    expect(revocationCheck(revoked)).toEqual({ name: 'revocation', passed: false, code: 'REVOKED' });
    const fine = await verify(svc, card('00'));
    expect(fine.outcome).toBe('VALID');
    expect(revocationCheck(fine)).toEqual({ name: 'revocation', passed: true });
    await svc.close();
  });

  it('a jwks source with its CRL URL (loopback): the same verdicts', async () => {
    crlUp = true;
    const svc = await serviceWith(server.url('/crl.json'));
    expect((await verify(svc, card('03'))).errors.map((e) => e.code)).toEqual(['REVOKED']);
    expect((await verify(svc, card('00'))).outcome).toBe('VALID');
    await svc.close();
  });

  it('a CRL URL that is down: the keys still load, the CRL is reported, revocation is not applicable (never a silent pass)', async () => {
    crlUp = false;
    const svc = await serviceWith(server.url('/crl.json'));
    const status = svc.trust.current().sources[0]!;
    expect(status.signerCount).toBeGreaterThan(0);
    expect(status.dropped.map((d) => d.code)).toContain('CRL_UNAVAILABLE');
    const body = await verify(svc, card('03'));
    expect(body.outcome).toBe('VALID');
    expect(revocationCheck(body)).toEqual({ name: 'revocation', passed: true, applies: false, reason: 'NO_REVOCATION_DATA' });
    await svc.close();
    crlUp = true;
  });

  it('without any CRL, revocation is not applicable (NO_REVOCATION_DATA)', async () => {
    const svc = await serviceWith(undefined);
    expect(revocationCheck(await verify(svc, card('03')))).toMatchObject({ applies: false, reason: 'NO_REVOCATION_DATA' });
    await svc.close();
  });

  it('the real VCI snapshot: the per-key CRLs it carries load with the keys (3 issuers, empty rid lists)', async () => {
    const dir = tempDir('vci-crl-');
    for (const f of ['vci_snapshot.json', 'vci_snapshot.sig', 'vci_snapshot.crt']) copyFileSync(path.join(VECTORS, 'trust-lists/vci', f), path.join(dir, f));
    writeFileSync(path.join(dir, 'sources.json'), JSON.stringify({ sources: [{ id: 'vci', type: 'vci-snapshot', file: 'vci_snapshot.json', signature: 'vci_snapshot.sig', anchor: 'vci_snapshot.crt' }] }));
    const r = await TrustRefresher.open({ dir, dataDir: path.join(dir, 'data'), now: () => new Date(AT), readOnly: true });
    const state = r.store.current().states[0]!;
    expect(state.status.lastError).toBeNull();
    const withCrl = [...(state.shcCrls?.keys() ?? [])];
    expect(withCrl.length).toBeGreaterThanOrEqual(3);
    const [iss, kid] = withCrl[0]!.split('\u0000') as [string, string];
    expect(r.store.current().resolver.revocation({ kind: 'shc-rid', iss, kid, rid: 'anything', nbf: 0 }, new Date(AT))).toEqual({ data: true });
  });
});
