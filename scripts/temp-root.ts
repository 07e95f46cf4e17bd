// One temporary root for a test file or a bench run, so nothing it writes stays in /tmp:
// os.tmpdir() reads TMPDIR on each call and child processes (the service, cluster workers,
// Chromium) inherit it, so every folder made under it lands in the one root. Shared by the
// test setup (test/setup/tmpdir.ts) and the benchmarks (bench/verify.ts, bench/load.ts).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TempRoot {
  root: string;
  /** Restores TMPDIR as it was and deletes the root with everything in it. */
  remove: () => void;
}

export function useTempRoot(prefix: string): TempRoot {
  const previous = process.env['TMPDIR'];
  const root = mkdtempSync(join(tmpdir(), prefix));
  process.env['TMPDIR'] = root;
  return {
    root,
    remove: () => {
      if (previous === undefined) delete process.env['TMPDIR'];
      else process.env['TMPDIR'] = previous;
      rmSync(root, { recursive: true, force: true, maxRetries: 3 });
    },
  };
}
