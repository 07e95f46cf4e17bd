// The image route reads its body with the edge's one body reader (src/http/body.ts), as the JSON
// routes do: a sender that trickles the image is cut with 408 at the deadline instead of holding
// the connection until the server's request timeout, and a content coding is refused (415).
// The route is mounted alone with a stand-in decoder: what is tested is the reading, not the QR search.
import { connect } from 'node:net';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type NextFunction, type Request, type Response } from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imageRouter } from '../../src/http/image.js';
import { HttpProblem, sendProblem } from '../../src/http/problems.js';
import type { Report } from '../../src/model.js';

const PNG_HEAD = Buffer.from('89504e470d0a1a0a', 'hex');

function app(): express.Express {
  const a = express();
  a.use(
    imageRouter(async () => ({ outcome: 'VALID' }) as unknown as Report, {
      decoder: { decode: async () => 'HC1:stand-in', close: async () => {} },
      bodyDeadlineMs: 300,
    }),
  );
  a.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    void _next;
    sendProblem(res, err instanceof HttpProblem ? err : new HttpProblem('INTERNAL', 'internal error'));
  });
  return a;
}

describe('POST /v1/verify/image: the body is read under a deadline, with no content coding', () => {
  let server: Server;
  let port = 0;
  beforeAll(async () => {
    server = createServer(app());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => new Promise<void>((r) => server.close(() => r())));

  it('a body trickled slower than the deadline → 408 REQUEST_TIMEOUT soon after it, and the connection is closed', async () => {
    const started = performance.now();
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      let text = '';
      socket.on('data', (d) => (text += d.toString('latin1')));
      socket.on('close', () => resolve(text));
      socket.on('error', reject);
      socket.write(`POST /v1/verify/image HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\nContent-Length: 1000\r\n\r\n`);
      socket.write(PNG_HEAD);
      const tick = setInterval(() => socket.writable && socket.write('x'), 100);
      socket.on('close', () => clearInterval(tick));
      setTimeout(() => socket.destroy(), 5_000).unref();
    });
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    expect(answer).toContain('"code":"REQUEST_TIMEOUT"');
    expect(performance.now() - started).toBeLessThan(3_000);
  });

  it('a gzip-encoded image → 415 UNSUPPORTED_MEDIA_TYPE (the service decodes no content coding)', async () => {
    const res = await request(app()).post('/v1/verify/image').set('content-type', 'image/png').set('content-encoding', 'gzip').send(PNG_HEAD);
    expect(res.status).toBe(415);
    expect(res.body.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('a whole image within the deadline is read and verified', async () => {
    const res = await request(app()).post('/v1/verify/image').set('content-type', 'image/png').send(PNG_HEAD);
    expect(res.status).toBe(200);
    expect(res.body.outcome).toBe('VALID');
  });
});
