// One temporary root per bench run, removed when the run ends: every folder the bench makes
// (trust list, data dirs, clients file) and the ones its servers make go under it, since
// os.tmpdir() reads TMPDIR on each call and child processes inherit it. They used to stay in
// /tmp, two to five a run.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function useRunTempRoot(): string {
  const root = mkdtempSync(join(tmpdir(), 'lintas-bench-run-'));
  process.env['TMPDIR'] = root;
  process.once('exit', () => rmSync(root, { recursive: true, force: true }));
  return root;
}
