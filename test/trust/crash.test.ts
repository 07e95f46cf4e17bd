// SIGKILL during a snapshot write, then a restart (security.md §4.5 F-7): a child process
// writes the last good copy and is killed at the worst moments; the next start-up loads a
// complete list (the old or the new one, never a mix), removes the temp files, and verifies.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { TrustRefresher } from '../../src/trust/refresher.js';
import { SNAPSHOT_DIR } from '../../src/trust/snapshots.js';
import { deList, demoSigners, type DemoSigners, kidB64, listKey, tempDir } from './helpers.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const WRITER = path.join(ROOT, 'test/trust/fixtures/snapshot-writer.ts');

function runWriter(args: string[], killAfterMs?: number): Promise<{ signal: NodeJS.Signals | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', WRITER, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (killAfterMs !== undefined && out.includes('ready')) setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    });
    child.on('error', reject);
    child.on('exit', (_code, signal) => resolve({ signal, out }));
  });
}

describe('SIGKILL during a snapshot write, then a restart with the source down', () => {
  let pki: DemoSigners;
  let key: ReturnType<typeof listKey>;
  let listA: Uint8Array;
  let listB: Uint8Array;
  beforeAll(async () => {
    pki = await demoSigners(4);
    key = listKey();
    listA = deList(key, pki.dscs.slice(0, 3));
    listB = deList(key, pki.dscs.slice(1, 4), 'AT', new Date('2026-07-01T00:00:00Z'));
  });

  async function restart(mode: string, killAfterMs?: number) {
    const root = tempDir('crash-');
    const dir = path.join(root, 'lists');
    const dataDir = path.join(root, 'data');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'anchor.pem'), key.anchorPem);
    // Port 9 on loopback (discard): nothing listens, so every download fails.
    writeFileSync(path.join(dir, 'sources.json'), JSON.stringify({ sources: [{ id: 'de', type: 'de-dsc-list', url: 'http://127.0.0.1:9/list', anchor: 'anchor.pem' }] }));
    writeFileSync(path.join(root, 'a.list'), listA);
    writeFileSync(path.join(root, 'b.list'), listB);
    const { signal, out } = await runWriter([dataDir, mode, path.join(root, 'a.list'), path.join(root, 'b.list')], killAfterMs);
    expect(signal).toBe('SIGKILL');
    expect(out).not.toContain('not killed');
    const r = await TrustRefresher.open({ dir, dataDir, now: () => new Date('2026-11-25T12:00:00Z'), fetch: { timeoutMs: 500 } });
    await r.refresh();
    const kids = pki.dscs.map((d) => r.store.current().resolver.dcc(kidB64(d.der)).length);
    const status = r.store.current().sources[0]!;
    expect(readdirSync(path.join(dataDir, SNAPSHOT_DIR)).filter((n) => n.includes('.tmp-'))).toEqual([]);
    return { kids, status, dataDir };
  }

  const A = [1, 1, 1, 0];
  const B = [0, 1, 1, 1];

  it('killed after the temp file is written: the old list loads', async () => {
    const { kids, status } = await restart('after-tmp-write');
    expect(kids).toEqual(A);
    expect(status).toMatchObject({ origin: 'snapshot', signerCount: 3, stale: true, errorCode: 'SOURCE_DOWN' });
  });

  it('killed between the two renames: the previous generation loads', async () => {
    const { kids, status, dataDir } = await restart('after-first-rename');
    expect(existsSync(path.join(dataDir, SNAPSHOT_DIR, 'de.json'))).toBe(false);
    expect(kids).toEqual(A);
    expect(status.signerCount).toBe(3);
  });

  it.each([15, 40, 90])('killed at a random moment of a write loop (%i ms): a complete list loads', async (ms) => {
    const { kids, status } = await restart('loop', ms);
    expect([A, B]).toContainEqual(kids);
    expect(status.signerCount).toBe(3);
  });
});
