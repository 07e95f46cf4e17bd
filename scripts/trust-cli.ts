// Kept for `node --import tsx scripts/trust-cli.ts …` from a checkout; the CLI itself is
// src/cli/trust.ts, compiled with the service so that `npm run trust` works in the image.
import { main } from '../src/cli/trust.js';

await main();
