// Every test file gets its own temporary root, removed when the file's tests end: the suites
// make about 40 temporary folders a run (trust lists, data dirs, audit logs, signing keys of
// test issuers), and they used to stay in /tmp after every run.
import { afterAll } from 'vitest';
import { useTempRoot } from '../../scripts/temp-root.js';

// Registered before the file's own hooks, so with vitest's stacked hook order it runs after
// them: servers and browsers the file started are stopped by then.
afterAll(useTempRoot('lintas-test-').remove);
