// Child process for `npm run bench`'s HTTP ceiling: a bare node:http server whose one route,
// POST /v1/verify, reads the JSON body (≤ 64 KB, contract "POST /v1/verify") and runs the same
// in-process verification the service runs (bench/pipeline.ts), with nothing else: no auth, no
// limits, no audit, no metrics, no logs. Listens on 127.0.0.1 only; prints its port on stdout.
import { createServer } from 'node:http';
import { benchPipeline } from './pipeline.js';

const trustDir = process.argv[2];
if (!trustDir) throw new Error('usage: ceiling-server.js <trust folder>');
const pipeline = await benchPipeline(trustDir);
const MAX_BODY = 64 * 1024;

const server = createServer((req, res) => {
  if (req.method !== 'POST' || req.url !== '/v1/verify') {
    res.writeHead(404).end();
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  req.on('data', (c: Buffer) => {
    size += c.length;
    if (size > MAX_BODY) req.destroy();
    else chunks.push(c);
  });
  req.on('end', () => {
    let qr: unknown;
    try {
      qr = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { qr?: unknown }).qr;
    } catch {
      qr = undefined;
    }
    if (typeof qr !== 'string') {
      res.writeHead(400).end();
      return;
    }
    pipeline.verify(qr, new Date()).then(
      (outcome) => {
        const body = JSON.stringify(outcome.report);
        res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) }).end(body);
      },
      () => res.writeHead(503).end(),
    );
  });
});
server.listen(0, '127.0.0.1', () => {
  const addr = server.address();
  process.stdout.write(`${typeof addr === 'object' && addr ? addr.port : 0}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
