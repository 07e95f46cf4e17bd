// The trust refresher (the one loading path production takes) over a temporary TRUST_LISTS_DIR
// naming every source type, built from real
// vectors (copied to the OS temp folder, never into the repository): each source loads or
// fails on its own, paths cannot escape the folder, and a broken refresh keeps the last good list.
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSourcesFile } from '../../src/trust/load.js';
import { TrustRefresher } from '../../src/trust/refresher.js';
import type { TrustStore } from '../../src/trust/store.js';

const VECTORS = path.resolve(fileURLToPath(new URL('../..', import.meta.url)), '../shared/vectors');
const DE = path.join(VECTORS, 'trust-lists/de-dsc-list');
const SHC_KEYS = path.join(VECTORS, 'smart-health-cards/dev-tools-testdata/testdata/valid_keys.json');
const ICAO = path.join(VECTORS, 'icao-vds-nc/apo-android');
const present = [path.join(DE, 'demo/dsc-list.json'), SHC_KEYS, path.join(ICAO, 'csca-AU.der.b64')].every((p) => existsSync(p));
if (!present) console.warn(`SKIPPED: trust-list vectors missing under ${VECTORS}`);

const AT = new Date('2026-11-25T10:00:00Z');
const LATER = new Date('2026-11-25T16:00:00Z');
const ISS = 'https://spec.smarthealth.cards/examples/issuer';

/** The store TrustRefresher.open builds over `dir` at the clock's time (no timers, DATA_DIR untouched). */
async function openTrust(dir: string, clock: { now: Date }): Promise<{ store: TrustStore; refresher: TrustRefresher }> {
  const refresher = await TrustRefresher.open({ dir, dataDir: path.join(dir, '..', 'data'), now: () => clock.now, readOnly: true });
  return { store: refresher.store, refresher };
}

interface Entry {
  kid: string;
  rawData: string;
  country: string;
}
const pemOf = (b64: string, label = 'CERTIFICATE'): string =>
  `-----BEGIN ${label}-----\n${(b64.match(/.{1,64}/g) ?? []).join('\n')}\n-----END ${label}-----\n`;

const SOURCES = [
  { id: 'de-demo', type: 'de-dsc-list', file: 'de/dsc-list.json', anchor: 'de/key.pem', refreshSeconds: 21600 },
  { id: 'de-broken', type: 'de-dsc-list', file: 'de/broken.json', anchor: 'de/key.pem' },
  { id: 'gateway', type: 'dgcg-trustlist', file: 'gw/dsc.json' },
  { id: 'bundle', type: 'pem', file: 'dsc.pem' },
  { id: 'shc-example', type: 'jwks', iss: ISS, file: 'shc/jwks.json' },
  { id: 'icao', type: 'icao-csca', file: 'icao/csca.pem', crl: ['icao/au.crl'] },
  { id: 'divoc', type: 'divoc-keys', file: 'divoc.json' },
  { id: 'who', type: 'gdhcn-did', file: 'who/did.json', anchor: 'who/anchor.pem' },
  // A port nothing listens on: the download fails at once, and the source fails alone.
  { id: 'de-remote', type: 'de-dsc-list', url: 'http://127.0.0.1:9/trustList/DSC/', anchor: 'de/key.pem' },
  { id: 'escape', type: 'pem', file: '../outside.pem' },
  { id: 'link', type: 'pem', file: 'link.pem' },
  { id: 'mystery', type: 'mystery-type', file: 'dsc.pem' },
  { id: 'jwks-no-iss', type: 'jwks', file: 'shc/jwks.json' },
  { type: 'pem', file: 'dsc.pem' },
  { id: 'bundle', type: 'pem', file: 'dsc.pem' },
];

describe.skipIf(!present)('the trust refresher over a folder naming every source type', () => {
  let root: string;
  let dir: string;
  let store: TrustStore;
  let refresher: TrustRefresher;
  const clock = { now: AT };
  let demo: Entry[];

  beforeAll(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'trust-load-'));
    dir = path.join(root, 'lists');
    for (const sub of ['de', 'gw', 'shc', 'icao', 'who']) mkdirSync(path.join(dir, sub), { recursive: true });
    copyFileSync(path.join(DE, 'demo/dsc-list.json'), path.join(dir, 'de/dsc-list.json'));
    copyFileSync(path.join(DE, 'demo/dsc-list-signing-key.pem'), path.join(dir, 'de/key.pem'));
    const list = readFileSync(path.join(DE, 'demo/dsc-list.json'));
    const broken = Buffer.from(list);
    broken[broken.length - 100] = broken[broken.length - 100]! ^ 0x01;
    writeFileSync(path.join(dir, 'de/broken.json'), broken);
    const text = list.toString('utf8');
    demo = (JSON.parse(text.slice(text.indexOf('\n') + 1)) as { certificates: Entry[] }).certificates;
    const prod = readFileSync(path.join(DE, 'dsc-list.json'), 'utf8');
    const prodEntries = (JSON.parse(prod.slice(prod.indexOf('\n') + 1)) as { certificates: Entry[] }).certificates;
    writeFileSync(path.join(dir, 'gw/dsc.json'), JSON.stringify(prodEntries.slice(0, 3)));
    writeFileSync(path.join(dir, 'dsc.pem'), prodEntries.slice(3, 5).map((e) => pemOf(e.rawData)).join(''));
    copyFileSync(SHC_KEYS, path.join(dir, 'shc/jwks.json'));
    const b64 = (name: string): string => readFileSync(path.join(ICAO, name), 'utf8').replace(/\s+/g, '');
    writeFileSync(path.join(dir, 'icao/csca.pem'), pemOf(b64('csca-AU.der.b64')));
    writeFileSync(path.join(dir, 'icao/au.crl'), Buffer.from(b64('crl-AU-without-serial.der.b64'), 'base64'));
    const ed = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }) as string;
    writeFileSync(path.join(dir, 'divoc.json'), JSON.stringify({ issuers: [{ id: 'did:indonesia', country: 'ID', publicKeyPem: ed }] }));
    writeFileSync(path.join(dir, 'who/did.json'), '{}');
    writeFileSync(path.join(dir, 'who/anchor.pem'), '');
    writeFileSync(path.join(root, 'outside.pem'), pemOf(prodEntries[6]!.rawData));
    symlinkSync(path.join(root, 'outside.pem'), path.join(dir, 'link.pem'));
    writeFileSync(path.join(dir, 'sources.json'), JSON.stringify({ sources: SOURCES }));
    ({ store, refresher } = await openTrust(dir, clock));
  });

  afterAll(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });

  const status = (id: string) => store.current().sources.find((s) => s.id === id);

  it('loads every supported file source with its signers', () => {
    expect(store.ready()).toBe(true);
    expect(status('de-demo')).toMatchObject({ signerCount: 609, lastSuccess: AT.toISOString(), lastError: null, droppedTotal: 1 });
    expect(status('gateway')).toMatchObject({ signerCount: 3, lastError: null });
    expect(status('bundle')).toMatchObject({ signerCount: 2, lastError: null });
    expect(status('shc-example')).toMatchObject({ signerCount: 3, countries: { unknown: 3 } });
    expect(status('icao')).toMatchObject({ signerCount: 1, countries: { AU: 1 }, dropped: [] });
    expect(status('divoc')).toMatchObject({ signerCount: 1, countries: { ID: 1 } });
  });

  it('answers lookups of every kind from the loaded files', () => {
    const r = store.current().resolver;
    const first = demo[0]!;
    expect(r.dcc(first.kid).map((s) => [s.source, s.country])).toEqual([['de-demo', first.country]]);
    const jwks = JSON.parse(readFileSync(SHC_KEYS, 'utf8')) as { keys: { kid: string }[] };
    expect(r.shc(ISS, jwks.keys[0]!.kid)).toHaveLength(1);
    expect(r.csca('AU')).toHaveLength(1);
    // The CRL loaded with the CSCA is the revocation data for what that CSCA signed.
    const icao = readFileSync(path.join(ICAO, 'valid.json'), 'utf8');
    const bsc = new Uint8Array(Buffer.from((JSON.parse(icao) as { sig: { cer: string } }).sig.cer, 'base64url'));
    expect(r.revocation({ kind: 'x509-crl', issuer: r.csca('AU')[0]!, serialNumber: new X509Certificate(bsc).serialNumber }, AT)).toMatchObject({ data: true });
    expect(r.divoc('did:indonesia')).toHaveLength(1);
  });

  it.each([
    ['de-broken', /signature does not verify/],
    ['who', /gdhcn anchor is not JSON/],
    ['de-remote', /./],
    ['escape', /escapes the trust-list folder/],
    ['link', /resolves outside the trust-list folder/],
    ['mystery', /unknown source type/],
    ['jwks-no-iss', /needs "iss"/],
    ['#13', /invalid source definition/],
    ['bundle#14', /duplicate source id/],
  ])('source %s fails alone (%s) without signers', (id, error) => {
    expect(status(id)).toMatchObject({ lastSuccess: null, lastError: expect.stringMatching(error), signerCount: 0, stale: false });
  });

  it('lists every source of sources.json in order in the summary', () => {
    const summary = store.summary(AT);
    expect(summary.sources.map((s) => s.id)).toEqual([...SOURCES.map((s, i) => s.id ?? `#${i}`).slice(0, 14), 'bundle#14']);
    expect(summary.signerCount).toBe(609 + 3 + 2 + 3 + 1 + 1);
    expect(summary.stale).toBe(false);
  });

  it('a reload where a list broke keeps that list in force, marked stale', async () => {
    const listFile = path.join(dir, 'de/dsc-list.json');
    const good = readFileSync(listFile);
    try {
      writeFileSync(listFile, Buffer.concat([good.subarray(0, 200), Buffer.from('X'), good.subarray(201)]));
      clock.now = LATER;
      await refresher.refresh();
      expect(status('de-demo')).toMatchObject({
        signerCount: 609,
        lastSuccess: AT.toISOString(),
        lastAttempt: LATER.toISOString(),
        stale: true,
        lastError: expect.stringMatching(/de-dsc-list/),
      });
      expect(store.current().resolver.dcc(demo[0]!.kid)).toHaveLength(1);
      expect(status('gateway')).toMatchObject({ lastSuccess: LATER.toISOString(), stale: false });
      expect(store.summary(LATER).stale).toBe(true);
    } finally {
      writeFileSync(listFile, good);
    }
  });
});

describe('sources.json itself', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'trust-sources-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a missing, non-JSON or shapeless sources.json refuses the whole folder', async () => {
    const clock = { now: AT };
    await expect(openTrust(dir, clock)).rejects.toThrow(/cannot read/);
    writeFileSync(path.join(dir, 'sources.json'), '{"sources": [');
    await expect(openTrust(dir, clock)).rejects.toThrow(/not JSON/);
    writeFileSync(path.join(dir, 'sources.json'), '{"lists": []}');
    await expect(openTrust(dir, clock)).rejects.toThrow(/sources/);
  });

  it('an empty source list gives a store that is not ready', async () => {
    writeFileSync(path.join(dir, 'sources.json'), '{"sources": []}');
    const { store } = await openTrust(dir, { now: AT });
    expect(store.ready()).toBe(false);
    expect(store.summary(AT)).toMatchObject({ ready: false, signerCount: 0, sources: [] });
  });

  it('validates each entry: file xor url, id shape, country, refreshSeconds', async () => {
    writeFileSync(
      path.join(dir, 'sources.json'),
      JSON.stringify({
        sources: [
          { id: 'both', type: 'pem', file: 'a.pem', url: 'https://x/' },
          { id: 'neither', type: 'pem' },
          { id: 'bad id!', type: 'pem', file: 'a.pem' },
          { id: 'c', type: 'pem', file: 'a.pem', country: 'de' },
          { id: 'r', type: 'pem', file: 'a.pem', refreshSeconds: -1 },
          { id: 'fine', type: 'pem', file: 'a.pem', crl: 'x.crl' },
        ],
      }),
    );
    const entries = await readSourcesFile(dir);
    expect(entries.map((e) => e.ok)).toEqual([false, false, false, false, false, true]);
  });
});
