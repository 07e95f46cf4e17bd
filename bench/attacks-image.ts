// The image attack of `npm run bench:load` (issue #12 items 3 and 6): hostile uploads to
// POST /v1/verify/image, each built once at start-up and sent in turn by bench/paced.ts.
//
// - noise PNG: ~4.8 MB of random RGBA pixels (1,200 × 1,000), under the 5 MB limit, so it is
//   decoded and searched for a QR code by the worker pool (src/qr/pool.ts) until the 2 s budget
//   or the search gives up: expect 422 IMAGE_UNREADABLE / NO_QR_FOUND, or 503 OVERLOADED when the
//   pool's queue is full.
// - 6 MB body with Content-Length: 413 BODY_TOO_LARGE; the same without Content-Length (chunked):
//   413 while streaming.
// - a PNG and a JPEG whose headers declare 50 000 × 50 000 px (a few hundred bytes each): 413
//   IMAGE_TOO_LARGE from the header check, before any thread is used.
// - a 4 000 × 4 000 blank PNG (16 MP, the pixel cap, ~50 KB compressed): decodes to 64 MB of
//   RGBA inside a thread, the cheapest way to make the pool allocate.
import { randomFillSync } from 'node:crypto';
import pngjs from 'pngjs';
import type { PacedRequest } from './paced.js';

export interface NamedRequest extends PacedRequest {
  name: string;
}

function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** A PNG whose IHDR declares width × height, with a token IDAT (never decoded: refused first). */
function pngDeclaring(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', Buffer.from([0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01])),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A JPEG whose SOF0 frame header declares width × height (T.81 §B.2.2), then EOI. */
function jpegDeclaring(width: number, height: number): Buffer {
  const sof = Buffer.from([0xff, 0xc0, 0x00, 0x11, 0x08, height >> 8, height & 0xff, width >> 8, width & 0xff, 0x03, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
  return Buffer.concat([Buffer.from([0xff, 0xd8]), sof, Buffer.from([0xff, 0xd9])]);
}

function noisePng(width: number, height: number): Buffer {
  const png = new pngjs.PNG({ width, height });
  randomFillSync(png.data);
  return pngjs.PNG.sync.write(png, { deflateLevel: 1 });
}

function blankPng(width: number, height: number): Buffer {
  const png = new pngjs.PNG({ width, height });
  png.data.fill(255);
  return pngjs.PNG.sync.write(png, { deflateLevel: 9 });
}

/**
 * The cycle sent in turn: every other request is a noise PNG (the costly one), the others go
 * round the cheap refusals and the blank 16 MP image. At IMAGE_RPS = 5 that is 2.5 noise PNGs/s
 * and 0.5/s of each other kind.
 */
export function imageAttackRequests(): NamedRequest[] {
  const post = (name: string, type: string, body: Buffer, chunked = false): NamedRequest => ({
    name,
    method: 'POST',
    path: '/v1/verify/image',
    headers: { 'content-type': type },
    body,
    ...(chunked ? { chunked } : {}),
  });
  const noise = post('noise PNG 4.8 MB', 'image/png', noisePng(1200, 1000));
  // Past the 5 MB limit: a PNG signature, then random bytes (the size is refused before decoding).
  const big = Buffer.concat([pngDeclaring(2000, 2000), randomFillSync(Buffer.alloc(6 * 1024 * 1024))]);
  const others = [
    post('6 MB body, Content-Length', 'image/png', big),
    post('PNG header 50 000 × 50 000', 'image/png', pngDeclaring(50_000, 50_000)),
    post('6 MB body, chunked', 'image/png', big, true),
    post('JPEG header 50 000 × 50 000', 'image/jpeg', jpegDeclaring(50_000, 50_000)),
    post('blank PNG 16 MP', 'image/png', blankPng(4000, 4000)),
  ];
  return others.flatMap((o) => [noise, o]);
}
