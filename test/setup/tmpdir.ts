// Every test file gets its own temporary root, removed when the file's tests end: the suites
// make about 40 temporary folders a run (trust lists, data dirs, audit logs, signing keys of
// test issuers), and they used to stay in /tmp after every run. os.tmpdir() reads TMPDIR on
// each call, and child processes (the service, cluster workers, Chromium) inherit it, so
// everything a file writes lands under the one root.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

const previous = process.env['TMPDIR'];
const root = mkdtempSync(join(tmpdir(), 'lintas-test-'));
process.env['TMPDIR'] = root;

// Registered before the file's own hooks, so with vitest's stacked hook order it runs after
// them: servers and browsers the file started are stopped by then.
afterAll(() => {
  if (previous === undefined) delete process.env['TMPDIR'];
  else process.env['TMPDIR'] = previous;
  rmSync(root, { recursive: true, force: true, maxRetries: 3 });
});
