// The refresher against a loopback server (security.md §4.5 F-1–F-7): whatever the server does
// — down, slow, hostile, corrupted, badly signed, rolled back, emptied, shrunk — the store keeps
// verifying with the last good list and its status says why. A restart with the server down
// verifies from the copy in DATA_DIR.
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SNAPSHOT_DIR } from '../../src/trust/snapshots.js';
import { TrustRefresher } from '../../src/trust/refresher.js';
import { deList, demoSigners, type DemoSigners, kidB64, listKey, type ListKey, serveBytes, startServer, tempDir, type TestServer } from './helpers.js';

const T0 = new Date('2026-11-25T10:00:00Z');

describe('TrustRefresher over a loopback server', () => {
  let server: TestServer;
  let pki: DemoSigners;
  let key: ListKey;
  let good: Uint8Array;
  let root: string;
  let dir: string;
  let dataDir: string;
  let clock: Date;

  beforeAll(async () => {
    server = await startServer();
    pki = await demoSigners(6);
    key = listKey();
    good = deList(key, pki.dscs);
  });
  afterAll(async () => {
    await server.close();
  });

  beforeEach(() => {
    root = tempDir('refresher-');
    dir = path.join(root, 'lists');
    dataDir = path.join(root, 'data');
    clock = T0;
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'anchor.pem'), key.anchorPem);
    writeFileSync(
      path.join(dir, 'sources.json'),
      JSON.stringify({
        sources: [
          { id: 'de', type: 'de-dsc-list', url: server.url('/list'), anchor: 'anchor.pem', staleAfterSeconds: 3600, maxAgeSeconds: 86400 },
        ],
      }),
    );
    return () => rmSync(root, { recursive: true, force: true });
  });

  const open = (timeoutMs = 2000, maxBytes = 1024 * 1024) =>
    TrustRefresher.open({ dir, dataDir, now: () => clock, fetch: { timeoutMs, maxBytes } });
  const status = (r: TrustRefresher) => r.store.current().sources.find((s) => s.id === 'de')!;
  const knows = (r: TrustRefresher, i: number) => r.store.current().resolver.dcc(kidB64(pki.dscs[i]!.der)).length === 1;

  /** A refresher holding the good list, then the server switched to `bad`. */
  async function goodThen(bad: Parameters<TestServer['handle']>[0], timeoutMs = 2000): Promise<TrustRefresher> {
    server.handle(serveBytes(good));
    const r = await open(timeoutMs);
    await r.refresh();
    expect(status(r)).toMatchObject({ signerCount: 6, lastError: null, origin: 'url' });
    clock = new Date(T0.getTime() + 60_000);
    server.handle(bad);
    await r.refresh();
    return r;
  }

  function expectKept(r: TrustRefresher, code: string | RegExp): void {
    const s = status(r);
    expect(s.signerCount).toBe(6);
    expect(s.stale).toBe(true);
    expect(s.lastSuccess).toBe(T0.toISOString());
    expect(s.errorCode).toEqual(typeof code === 'string' ? code : expect.stringMatching(code));
    expect(s.lastError).toBeTruthy();
    for (let i = 0; i < 6; i++) expect(knows(r, i)).toBe(true);
    expect(r.store.ready()).toBe(true);
  }

  it('loads a signed list over HTTP and writes it to DATA_DIR', async () => {
    server.handle(serveBytes(good));
    const r = await open();
    expect(status(r)).toMatchObject({ lastSuccess: null, errorCode: 'PENDING' });
    expect(r.store.ready()).toBe(false);
    await r.refresh();
    expect(status(r)).toMatchObject({ signerCount: 6, origin: 'url', stale: false, listTime: '2026-06-06T00:00:00.000Z', listTimeKind: 'newest-entry' });
    expect(knows(r, 0)).toBe(true);
    expect(readdirSync(path.join(dataDir, SNAPSHOT_DIR))).toEqual(['de.json']);
  });

  it('down: HTTP 503, a reset socket, a closed port', async () => {
    const r = await goodThen((_req, res) => {
      res.statusCode = 503;
      res.end('down');
    });
    expectKept(r, 'HTTP_STATUS');
    server.handle((req) => req.socket.destroy());
    await r.refresh();
    expectKept(r, 'SOURCE_DOWN');
  });

  it('slow: an answer that never comes, and a 1-byte drip, are cut at the deadline', async () => {
    const r = await goodThen(() => {}, 300);
    expectKept(r, 'TIMEOUT');
    server.handle((_req, res) => {
      res.setHeader('Content-Type', 'application/json');
      res.write('x');
      const t = setInterval(() => res.write('x'), 50);
      res.on('close', () => clearInterval(t));
    });
    await r.refresh();
    expectKept(r, 'TIMEOUT');
  });

  it('hostile: an endless body and a huge declared body are cut at the size cap; gzip is refused', async () => {
    const chunk = Buffer.alloc(64 * 1024, 0x41);
    const r = await goodThen((_req, res) => {
      const pump = (): void => {
        while (res.write(chunk)) if (res.destroyed) return;
        res.once('drain', pump);
      };
      res.on('close', () => res.removeAllListeners('drain'));
      pump();
    });
    expectKept(r, 'TOO_LARGE');
    server.handle((_req, res) => {
      res.setHeader('Content-Length', String(100 * 1024 * 1024));
      res.write('x');
    });
    await r.refresh();
    expectKept(r, 'TOO_LARGE');
    server.handle((_req, res) => {
      res.setHeader('Content-Encoding', 'gzip');
      res.end(Buffer.from(good));
    });
    await r.refresh();
    expectKept(r, 'ENCODING_REFUSED');
  });

  it('redirects: loopback HTTP may redirect on loopback; a redirect to plain HTTP elsewhere is refused', async () => {
    const r = await goodThen((req, res) => {
      res.statusCode = 302;
      res.setHeader('Location', req.url === '/list' ? '/moved' : 'http://example.invalid/list');
      res.end();
    });
    expectKept(r, 'REDIRECT_REFUSED');
    expect(server.requests.at(-1)!.path).toBe('/moved');
  });

  it('corrupted: one flipped byte, garbage and truncation are refused', async () => {
    const flipped = Buffer.from(good);
    flipped[flipped.length - 50] = flipped[flipped.length - 50]! ^ 0x01;
    const r = await goodThen(serveBytes(flipped));
    expectKept(r, 'SIGNATURE_INVALID');
    server.handle(serveBytes(Buffer.from('garbage')));
    await r.refresh();
    expectKept(r, /LIST_INVALID|SIGNATURE_INVALID/);
    server.handle(serveBytes(good.subarray(0, good.length - 10)));
    await r.refresh();
    expectKept(r, 'SIGNATURE_INVALID');
  });

  it('bad signature: a well-formed list signed by another key is refused', async () => {
    const r = await goodThen(serveBytes(deList(listKey(), pki.dscs.slice(0, 5))));
    expectKept(r, 'SIGNATURE_INVALID');
  });

  it('rolled back: a validly signed list older than the one in force is refused', async () => {
    const older = deList(key, pki.dscs, 'AT', new Date('2026-01-01T00:00:00Z'));
    const r = await goodThen(serveBytes(older));
    expectKept(r, 'ROLLBACK');
  });

  it('emptied: a validly signed empty list is held, never applied', async () => {
    const r = await goodThen(serveBytes(deList(key, [])));
    expectKept(r, 'EMPTY_LIST');
    expect(status(r).held).toMatchObject({ entryCount: 0, previousEntryCount: 6 });
  });

  it('shrink guard: a list keeping 2 of 6 is held until an operator accepts it', async () => {
    const newer = new Date('2026-07-01T00:00:00Z');
    const r = await goodThen(serveBytes(deList(key, pki.dscs.slice(0, 2), 'AT', newer)));
    expectKept(r, 'SHRINK_HELD');
    expect(status(r).held).toMatchObject({ signerCount: 2, entryCount: 2, previousEntryCount: 6 });
    const accepted = await r.acceptHeld('de');
    expect(accepted).toMatchObject({ signerCount: 2, lastError: null, held: null });
    expect(knows(r, 5)).toBe(false);
  });

  it('shrink guard: a single removal (a real revocation) is not a mass shrink and applies at once', async () => {
    const newer = new Date('2026-07-01T00:00:00Z');
    const r2 = await goodThen(serveBytes(deList(key, pki.dscs.slice(0, 5), 'AT', newer)));
    expect(status(r2)).toMatchObject({ signerCount: 5, lastError: null });
  });

  it('ETag: an unchanged list is confirmed with 304 and counts as a fresh refresh', async () => {
    server.handle(serveBytes(good, '"v1"'));
    const r = await open();
    await r.refresh();
    clock = new Date(T0.getTime() + 7200_000);
    r.tick();
    expect(status(r).stale).toBe(true);
    await r.refresh();
    expect(server.requests.at(-1)!.ifNoneMatch).toBe('"v1"');
    expect(status(r)).toMatchObject({ stale: false, lastSuccess: clock.toISOString(), signerCount: 6 });
  });

  it('restart with the source down: the last good copy verifies, with its original age; past the maximum age it stops counting', async () => {
    server.handle(serveBytes(good));
    const first = await open();
    await first.refresh();
    server.handle((req) => req.socket.destroy());
    clock = new Date(T0.getTime() + 2 * 3600_000);
    const second = await open();
    expect(status(second)).toMatchObject({ origin: 'snapshot', signerCount: 6, lastSuccess: T0.toISOString(), stale: true });
    await second.refresh();
    expectKept(second, 'SOURCE_DOWN');
    expect(second.store.summary(clock).sources[0]!.ageSeconds).toBe(7200);
    clock = new Date(T0.getTime() + 86400_000 + 1000);
    expect(second.tick()).toBe(true);
    expect(status(second)).toMatchObject({ expired: true, signerCount: 6 });
    expect(knows(second, 0)).toBe(false);
    expect(second.store.ready()).toBe(false);
    // The server comes back: the source counts again.
    server.handle(serveBytes(good));
    await second.refresh();
    expect(status(second)).toMatchObject({ expired: false, stale: false });
    expect(knows(second, 0)).toBe(true);
  });

  it('a snapshot that no longer verifies with the anchor is ignored at start-up', async () => {
    server.handle(serveBytes(good));
    await (await open()).refresh();
    writeFileSync(path.join(dir, 'anchor.pem'), listKey().anchorPem);
    server.handle((req) => req.socket.destroy());
    const r = await open();
    expect(status(r)).toMatchObject({ signerCount: 0, lastSuccess: null });
    expect(existsSync(path.join(dataDir, SNAPSHOT_DIR, 'de.json'))).toBe(true);
  });

  it('timers: start() fetches url sources at once, stop() clears every timer', async () => {
    server.handle(serveBytes(good));
    const r = await open();
    r.start();
    for (let i = 0; i < 50 && status(r).lastSuccess === null; i++) await new Promise((res) => setTimeout(res, 20));
    await r.idle();
    r.stop();
    expect(status(r).signerCount).toBe(6);
  });
});
