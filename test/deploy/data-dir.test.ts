// One DATA_DIR, one writer (contract "One instance, one trust state"; review round 1 §1.6): the
// start-up clean-up of interrupted snapshot writes removes only this writer's temp files, never
// those of another writer sharing the folder, nor those of a live process.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanTempFiles, SNAPSHOT_DIR, writeSnapshot } from '../../src/trust/snapshots.js';

/** A pid that existed and has exited (a child that ran and was reaped). */
const deadPid = (): number => Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout.trim());

describe('cleanTempFiles: only this writer’s leftovers', () => {
  it('removes the writer’s files of a dead pid or of its own pid (a container restarting as the same pid); keeps other writers’ and live pids’ files', async () => {
    const data = mkdtempSync(join(tmpdir(), 'lintas-writer-'));
    const dir = join(data, SNAPSHOT_DIR);
    mkdirSync(dir);
    const dead = deadPid();
    const names = {
      ownDead: `de.json.tmp-pod_0-${dead}-aa11`,
      ownSelf: `de.json.tmp-pod_0-${process.pid}-bb22`,
      ownLive: `de.json.tmp-pod_0-${process.ppid}-cc33`,
      otherDead: `de.json.tmp-pod_1-${dead}-dd44`,
      legacyDead: `de.json.tmp-${dead}-ee55`,
      legacyLive: `de.json.tmp-${process.ppid}-ff66`,
      list: 'de.json',
    };
    for (const n of Object.values(names)) writeFileSync(join(dir, n), '{}');
    const removed = await cleanTempFiles(data, 'pod-0');
    expect(removed.sort()).toEqual([names.ownDead, names.ownSelf, names.legacyDead].sort());
    expect(readdirSync(dir).sort()).toEqual([names.ownLive, names.otherDead, names.legacyLive, names.list].sort());
  });

  it('a write names its writer in the temp file, so the clean-up can tell whose it is', async () => {
    const data = mkdtempSync(join(tmpdir(), 'lintas-writer-'));
    const seen: string[] = [];
    await writeSnapshot(data, { id: 'de', type: 'de-dsc-list', fetchedAt: new Date('2026-01-01T00:00:00Z'), origin: 'url', bytes: new Uint8Array([1, 2, 3]) }, { afterTempWrite: () => seen.push(...readdirSync(join(data, SNAPSHOT_DIR))) }, 'lintas-verifier-1');
    expect(seen.filter((n) => n.includes('.tmp-'))).toEqual([expect.stringMatching(new RegExp(`^de\\.json\\.tmp-lintas_verifier_1-${process.pid}-[0-9a-f]+$`))]);
  });
});
