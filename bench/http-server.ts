// Child process for the HTTP benchmark: `verify` serves the real app over a bench trust folder,
// `hello` a bare Express route (the ceiling on this machine). Prints the port on stdout.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { createService } from '../src/compose.js';
import { createLogger } from '../src/logger.js';

const [mode, trustDir] = process.argv.slice(2);
let app: express.Express;
if (mode === 'hello') {
  app = express();
  app.post('/v1/verify', express.json(), (_req, res) => {
    res.json({ hello: 'world' });
  });
} else {
  const service = await createService({
    trustListsDir: trustDir!,
    // The compiled bench lives in dist-bench/, so the bundled policy is named from the checkout.
    policyFile: join(process.cwd(), 'policies', 'ID-2021-09.json'),
    dataDir: mkdtempSync(join(tmpdir(), 'lintas-bench-data-')),
    logger: createLogger({ level: 'silent' }),
  });
  app = service.app;
}
const server = app.listen(0, '127.0.0.1', () => {
  const addr = server.address();
  process.stdout.write(`${typeof addr === 'object' && addr ? addr.port : 0}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
