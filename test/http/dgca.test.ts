// The EU verifier-app backend protocol (contract "Serving verifier apps and partners"), tested
// the way the EU verifier app's client uses it (dgca-verifier-app-android
// TrustListCertificateRepository, re-implemented below from its documented behaviour, not from
// our server code): read the context, fetch the status list, page signercertificateUpdate from
// the token kept since the last sync — keeping a certificate only when its kid is in the status
// list and equals SHA-256(DER)[0..8], stopping at the first one that is not — until 204, then
// delete every key the status list no longer names. It must end with exactly the DCC signers of
// the trust snapshot in force (not the CSCA, not the expired one, not the revoked one), also
// after the trust lists change under a client that resumes from its saved token.
// Certificates are made by the demo PKI (@peculiar/x509), the business-rule bodies are hashed
// here with node:crypto.
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCsca, makeDsc, type DemoCertificate } from '../../scripts/demo/pki.js';
import {
  DgcaContextSchema,
  DgcaCountryListSchema,
  DgcaKidsSchema,
  DgcaRuleListSchema,
  DgcaValueSetListSchema,
  DgcaValueSetSchema,
  JwksSchema,
} from '../../src/publish/openapi.js';
import { dgcgList, listen, tmp, writeTrust, type Listening } from '../publish/helpers.js';

const b64 = (u: Uint8Array) => Buffer.from(u).toString('base64');
const kidOf = (c: DemoCertificate) => b64(c.kid);
const live = { notBefore: new Date('2021-01-01T00:00:00Z'), notAfter: new Date('2035-01-01T00:00:00Z') };

/** The verifier app's certificate sync, as its repository does it. */
class VerifierAppClient {
  /** The app's key table: kid → base64 DER (one row per certificate). */
  readonly keys = new Map<string, string>();
  resumeToken = -1;
  reachedEnd = false;
  pages = 0;

  constructor(readonly contextUrl: string) {}

  async sync(): Promise<void> {
    const context = (await (await fetch(this.contextUrl)).json()) as {
      versions: { default: { endpoints: { status: { url: string }; update: { url: string } } } };
    };
    const { status, update } = context.versions.default.endpoints;
    const valid = (await (await fetch(status.url)).json()) as string[];
    this.reachedEnd = false;
    let token = this.resumeToken;
    for (let guard = 0; guard < 1000; guard++) {
      const res = await fetch(update.url, { headers: { 'X-RESUME-TOKEN': token === -1 ? '' : String(token) } });
      if (res.status === 204) {
        this.reachedEnd = true;
        break;
      }
      if (res.status !== 200) throw new Error(`update answered ${res.status}`);
      this.pages++;
      const kid = res.headers.get('x-kid');
      const next = res.headers.get('x-resume-token');
      const body = await res.text();
      const certKid = createHash('sha256').update(Buffer.from(body, 'base64')).digest().subarray(0, 8).toString('base64');
      if (kid === null || !valid.includes(kid) || certKid !== kid) break; // the app stops paging here
      this.keys.set(`${kid}|${body}`, body);
      if (next === null || next === '') break;
      this.resumeToken = Number(next);
      token = this.resumeToken;
    }
    for (const row of [...this.keys.keys()]) if (!valid.includes(row.split('|')[0]!)) this.keys.delete(row);
  }

  kids(): string[] {
    return [...new Set([...this.keys.keys()].map((r) => r.split('|')[0]!))].sort();
  }
}

let svc: Listening;
let trustDir: string;
let certs: Record<'csca' | 'ec' | 'rsa' | 'expired' | 'revoked' | 'xb' | 'xb2', DemoCertificate>;

beforeAll(async () => {
  const csca = await makeCsca({ country: 'XA', name: 'DGCA test CSCA', ...live });
  const cscaB = await makeCsca({ country: 'XB', name: 'DGCA test CSCA B', ...live });
  certs = {
    csca,
    ec: await makeDsc(csca, { country: 'XA', name: 'DGCA DSC EC', ...live }),
    rsa: await makeDsc(csca, { country: 'XA', name: 'DGCA DSC RSA', alg: 'PS256', ...live }),
    expired: await makeDsc(csca, { country: 'XA', name: 'DGCA DSC expired', notBefore: new Date('2021-01-01T00:00:00Z'), notAfter: new Date('2022-01-01T00:00:00Z') }),
    revoked: await makeDsc(csca, { country: 'XA', name: 'DGCA DSC revoked', ...live }),
    xb: await makeDsc(cscaB, { country: 'XB', name: 'DGCA DSC XB', ...live }),
    xb2: await makeDsc(cscaB, { country: 'XB', name: 'DGCA DSC XB second', ...live }),
  };
  trustDir = writeTrust(
    tmp('lintas-trust-'),
    [
      { id: 'list-a', type: 'dgcg-trustlist', file: 'a.json' },
      // The same EC signer listed twice (two sources): published once.
      { id: 'list-b', type: 'dgcg-trustlist', file: 'b.json' },
      { id: 'csca', type: 'icao-csca', file: 'csca.pem' },
      { id: 'blocked', type: 'blocklist', file: 'blocklist.json' },
    ],
    {
      'a.json': dgcgList([certs.ec, certs.rsa, certs.expired, certs.revoked]),
      'b.json': JSON.stringify([...JSON.parse(dgcgList([certs.ec])), ...JSON.parse(dgcgList([certs.xb], 'XB'))]),
      'csca.pem': csca.pem,
      'blocklist.json': JSON.stringify({ kids: [kidOf(certs.revoked)] }),
    },
  );
  svc = await listen({ trustListsDir: trustDir, dataDir: tmp('lintas-data-'), trustRefresh: false, rulesDir: join(process.cwd(), 'trust-lists', 'rules') });
});
afterAll(() => svc.stop());

describe('GET /dgca/context', () => {
  it('names the status and update endpoints by absolute URLs under PUBLIC_BASE_URL', async () => {
    const res = await fetch(`${svc.base}/dgca/context`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toEqual({
      origin: 'ID',
      versions: {
        default: {
          context: { url: `${svc.base}/dgca/context` },
          endpoints: { status: { url: `${svc.base}/dgca/signercertificateStatus` }, update: { url: `${svc.base}/dgca/signercertificateUpdate` } },
        },
      },
    });
  });
});

describe('the verifier app syncing its signer certificates', () => {
  it('pages until 204 and ends with exactly the DCC signers in force (no CSCA, expired or revoked one)', async () => {
    const trust = (await (await fetch(`${svc.base}/v1/trust`)).json()) as { sources: { id: string; signerCount: number }[] };
    // What /v1/trust says is loaded: 4 + 2 DCC signers (one of them listed by both lists), 1 CSCA.
    expect(Object.fromEntries(trust.sources.map((s) => [s.id, s.signerCount]))).toMatchObject({ 'list-a': 4, 'list-b': 2, csca: 1 });
    const app = new VerifierAppClient(`${svc.base}/dgca/context`);
    await app.sync();
    expect(app.reachedEnd).toBe(true);
    expect(app.kids()).toEqual([certs.ec, certs.rsa, certs.xb].map(kidOf).sort());
    // Each certificate once: the EC signer of both lists is one page.
    expect(app.pages).toBe(3);
    for (const kid of app.kids()) expect(svc.service.trust.current().resolver.dcc(kid).length).toBeGreaterThan(0);
  });

  it('status lists the kids of the signers in force only', async () => {
    const status = (await (await fetch(`${svc.base}/dgca/signercertificateStatus`)).json()) as string[];
    expect(status.sort()).toEqual([certs.ec, certs.rsa, certs.xb].map(kidOf).sort());
    expect(status).not.toContain(kidOf(certs.expired));
    expect(status).not.toContain(kidOf(certs.revoked));
    expect(status).not.toContain(kidOf(certs.csca));
  });

  it('after the lists change, a client resuming from its saved token gets the newcomer and prunes the leaver', async () => {
    const app = new VerifierAppClient(`${svc.base}/dgca/context`);
    await app.sync();
    const savedToken = app.resumeToken;
    expect(savedToken).toBeGreaterThan(0);
    // list-b drops XB and the duplicate EC, and lists a new XB signer.
    writeFileSync(join(trustDir, 'b.json'), dgcgList([certs.xb2], 'XB'));
    await svc.service.trustRefresher.refresh(['list-b']);
    await app.sync();
    expect(app.reachedEnd).toBe(true);
    expect(app.kids()).toEqual([certs.ec, certs.rsa, certs.xb2].map(kidOf).sort());
    // It asked only for what came after its token: the newcomer's token is above every earlier one.
    expect(app.resumeToken).toBeGreaterThan(savedToken);
    const fresh = new VerifierAppClient(`${svc.base}/dgca/context`);
    await fresh.sync();
    expect(fresh.kids()).toEqual(app.kids());
  });

  it('update: a 200 carries one base64 DER with X-KID and X-RESUME-TOKEN; past the last one, 204', async () => {
    const first = await fetch(`${svc.base}/dgca/signercertificateUpdate`);
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toMatch(/^text\/plain/);
    const token = first.headers.get('x-resume-token')!;
    expect(token).toMatch(/^\d+$/);
    const der = Buffer.from(await first.text(), 'base64');
    expect(first.headers.get('x-kid')).toBe(createHash('sha256').update(der).digest().subarray(0, 8).toString('base64'));
    const end = await fetch(`${svc.base}/dgca/signercertificateUpdate`, { headers: { 'X-RESUME-TOKEN': '999999999' } });
    expect(end.status).toBe(204);
    expect(await end.text()).toBe('');
  });

  it('a resume token that is not a number: 400 INVALID_REQUEST', async () => {
    for (const bad of ['abc', '-1', '1.5', '1e3']) {
      const res = await fetch(`${svc.base}/dgca/signercertificateUpdate`, { headers: { 'X-RESUME-TOKEN': bad } });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { code: string }).code).toBe('INVALID_REQUEST');
    }
  });
});

describe('business rules, value sets and the country list (dgca-businessrule-service shape)', () => {
  it('every rule listed is served at /rules/{country}/{hash} with a body whose SHA-256 is the hash', async () => {
    const list = (await (await fetch(`${svc.base}/dgca/rules`)).json()) as { identifier: string; version: string; country: string; hash: string }[];
    expect(list.length).toBe(svc.service.rules.length);
    expect(list.length).toBeGreaterThan(0);
    for (const item of list) {
      expect(Object.keys(item).sort()).toEqual(['country', 'hash', 'identifier', 'version']);
      const res = await fetch(`${svc.base}/dgca/rules/${item.country}/${item.hash}`);
      expect(res.status).toBe(200);
      const body = await res.text();
      expect(createHash('sha256').update(body, 'utf8').digest('hex')).toBe(item.hash);
      expect(JSON.parse(body)).toMatchObject({ Identifier: item.identifier, Version: item.version, Country: item.country });
    }
    const byCountry = (await (await fetch(`${svc.base}/dgca/rules/${list[0]!.country}`)).json()) as unknown[];
    expect(byCountry.length).toBe(list.filter((r) => r.country === list[0]!.country).length);
  });

  it('every value set listed is served at /valuesets/{hash} with a body whose SHA-256 is the hash', async () => {
    const list = (await (await fetch(`${svc.base}/dgca/valuesets`)).json()) as { id: string; hash: string }[];
    expect(list.map((v) => v.id)).toContain('vaccines-covid-19-names');
    for (const item of list) {
      const res = await fetch(`${svc.base}/dgca/valuesets/${item.hash}`);
      expect(res.status).toBe(200);
      const body = await res.text();
      expect(createHash('sha256').update(body, 'utf8').digest('hex')).toBe(item.hash);
      const set = JSON.parse(body) as { valueSetId: string; valueSetValues: Record<string, { display: string }> };
      expect(set.valueSetId).toBe(item.id);
      expect(Object.keys(set.valueSetValues).length).toBeGreaterThan(0);
    }
    const product = list.find((v) => v.id === 'vaccines-covid-19-names')!;
    const set = (await (await fetch(`${svc.base}/dgca/valuesets/${product.hash}`)).json()) as { valueSetValues: Record<string, { display: string }> };
    expect(set.valueSetValues['EU/1/20/1528']?.display).toMatch(/Comirnaty/i);
  });

  it('a hash that names nothing: 404 NOT_FOUND; a malformed one or country: 400 INVALID_REQUEST', async () => {
    const zero = '0'.repeat(64);
    for (const [path, status, code] of [
      [`/dgca/rules/ID/${zero}`, 404, 'NOT_FOUND'],
      [`/dgca/valuesets/${zero}`, 404, 'NOT_FOUND'],
      ['/dgca/rules/ID/xyz', 400, 'INVALID_REQUEST'],
      [`/dgca/rules/IDN/${zero}`, 400, 'INVALID_REQUEST'],
      ['/dgca/valuesets/xyz', 400, 'INVALID_REQUEST'],
    ] as const) {
      const res = await fetch(`${svc.base}${path}`);
      expect(res.status, path).toBe(status);
      expect(((await res.json()) as { code: string }).code).toBe(code);
    }
    // A rule's hash under another country is not that country's rule.
    const list = (await (await fetch(`${svc.base}/dgca/rules`)).json()) as { country: string; hash: string }[];
    expect((await fetch(`${svc.base}/dgca/rules/ZZ/${list[0]!.hash}`)).status).toBe(404);
  });

  it('the country list names the rule countries and the signer countries, sorted', async () => {
    const list = (await (await fetch(`${svc.base}/dgca/countrylist`)).json()) as string[];
    expect(list).toEqual([...list].sort());
    for (const c of ['ID', 'XA', 'XB']) expect(list).toContain(c);
  });
});

describe('OpenAPI for the publishing routes', () => {
  it('documents every new route, and real answers satisfy the published schemas', async () => {
    const doc = (await (await fetch(`${svc.base}/openapi.json`)).json()) as { paths: Record<string, unknown>; components: { schemas: Record<string, unknown> } };
    for (const p of [
      '/v1/trust/export', '/v1/trust/export/key', '/.well-known/jwks.json', '/dgca/context', '/dgca/signercertificateStatus',
      '/dgca/signercertificateUpdate', '/dgca/rules', '/dgca/rules/{country}', '/dgca/rules/{country}/{hash}', '/dgca/valuesets',
      '/dgca/valuesets/{hash}', '/dgca/countrylist',
    ]) {
      expect(doc.paths, p).toHaveProperty([p]);
    }
    expect(doc.components.schemas).toHaveProperty(['DgcaContext']);
    const get = async (path: string) => (await fetch(`${svc.base}${path}`)).json();
    DgcaContextSchema.parse(await get('/dgca/context'));
    DgcaKidsSchema.parse(await get('/dgca/signercertificateStatus'));
    const rules = DgcaRuleListSchema.parse(await get('/dgca/rules'));
    DgcaRuleListSchema.parse(await get(`/dgca/rules/${rules[0]!.country}`));
    const sets = DgcaValueSetListSchema.parse(await get('/dgca/valuesets'));
    DgcaValueSetSchema.parse(await get(`/dgca/valuesets/${sets[0]!.hash}`));
    DgcaCountryListSchema.parse(await get('/dgca/countrylist'));
    JwksSchema.parse(await get('/.well-known/jwks.json'));
  });
});
