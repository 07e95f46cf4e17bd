// Kept for `node --import tsx scripts/audit-verify.ts …` from a checkout; the command itself is
// src/cli/audit-verify.ts, compiled with the service so that `npm run audit:verify` works in the image.
import { main } from '../src/cli/audit-verify.js';

main();
