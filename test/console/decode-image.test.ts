// The image → QR text decoder behind POST /v1/verify/image: real PNGs and JPEGs rendered with
// the qrcode package, blank and hostile images, and the pixel cap applied before decoding.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';
import jpeg from 'jpeg-js';
import pngjs from 'pngjs';
import QRCode from 'qrcode';
import {
  ImageDecodeError,
  MAX_PIXELS,
  decodeQrImage,
  readImageSize,
  sniffImage,
} from '../../src/qr/decode-image.js';

// A realistic HC1 string (the demo sample's length and alphabet); the decoder never looks inside.
const SAMPLE = new URL('../../samples/vaccination-complete.txt', import.meta.url);
const HC1 = readFileSync(SAMPLE, 'utf8').trim();

function rgbaOf(png: Buffer) {
  const img = pngjs.PNG.sync.read(png);
  return { data: img.data, width: img.width, height: img.height };
}

function pngOf(img: { data: Uint8Array; width: number; height: number }): Buffer {
  const png = new pngjs.PNG({ width: img.width, height: img.height });
  png.data = Buffer.from(img.data);
  return pngjs.PNG.sync.write(png);
}

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof ImageDecodeError) return err.code;
    throw err;
  }
  return 'NO_ERROR';
}

/** A PNG signature plus an IHDR chunk (with a correct CRC) declaring any size, and no pixels. */
function pngHeaderOnly(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr)]);
}

function crc32(buf: Buffer): number {
  let c = ~0;
  for (const b of buf) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return ~c >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}

/** SOI, an APP0 segment, then a baseline SOF0 declaring `width` × `height`, and nothing else. */
function jpegHeaderOnly(width: number, height: number): Buffer {
  const app0 = Buffer.from([0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00]);
  const sof = Buffer.from([0xff, 0xc0, 0x00, 0x11, 0x08, height >> 8, height & 0xff, width >> 8, width & 0xff, 0x03, 0x01, 0x22, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01]);
  return Buffer.concat([Buffer.from([0xff, 0xd8]), app0, sof, Buffer.from([0xff, 0xd9])]);
}

describe('decodeQrImage: images that hold a QR code', () => {
  it('reads the HC1 text from a PNG rendered by qrcode', async () => {
    const png = await QRCode.toBuffer(HC1, { type: 'png', errorCorrectionLevel: 'Q', margin: 4, scale: 4 });
    expect(sniffImage(png)).toBe('png');
    expect(decodeQrImage(png)).toBe(HC1);
  });

  it('reads it from a JPEG (lossy, quality 80)', async () => {
    const rgba = rgbaOf(await QRCode.toBuffer(HC1, { type: 'png', margin: 4, scale: 5 }));
    const jpg = jpeg.encode(rgba, 80).data;
    expect(sniffImage(jpg)).toBe('jpeg');
    expect(readImageSize(jpg)).toEqual({ kind: 'jpeg', width: rgba.width, height: rgba.height });
    expect(decodeQrImage(jpg)).toBe(HC1);
  });

  it('reads an inverted (dark-mode) code: light modules on a dark ground', async () => {
    const png = await QRCode.toBuffer(HC1, { type: 'png', margin: 4, scale: 4, color: { dark: '#ffffffff', light: '#000000ff' } });
    expect(decodeQrImage(png)).toBe(HC1);
  });

  it('reads a code that fills a small part of a large photo-sized image (downscaled passes at SCAN_SIDE, then twice it)', async () => {
    const qr = rgbaOf(await QRCode.toBuffer(HC1, { type: 'png', margin: 4, scale: 6 }));
    const width = 3000;
    const height = 2200;
    const data = new Uint8Array(width * height * 4).fill(200); // grey paper
    const ox = 1400;
    const oy = 700;
    for (let y = 0; y < qr.height; y++) {
      data.set(qr.data.subarray(y * qr.width * 4, (y + 1) * qr.width * 4), ((oy + y) * width + ox) * 4);
    }
    const png = pngOf({ data, width, height });
    expect(readImageSize(png)).toEqual({ kind: 'png', width, height });
    const started = performance.now();
    expect(decodeQrImage(png)).toBe(HC1);
    expect(performance.now() - started).toBeLessThan(10_000);
  });

  it('treats a transparent background as white paper', async () => {
    const rgba = rgbaOf(await QRCode.toBuffer(HC1, { type: 'png', margin: 4, scale: 4, color: { dark: '#000000ff', light: '#00000000' } }));
    // Without flattening, transparent black "light" modules would read as black.
    expect(rgba.data[3]).toBe(0);
    expect(decodeQrImage(pngOf(rgba))).toBe(HC1);
  });
});

describe('decodeQrImage: images without a readable code', () => {
  it('a blank white PNG → NO_QR_FOUND', () => {
    const png = pngOf({ data: new Uint8Array(400 * 300 * 4).fill(255), width: 400, height: 300 });
    expect(codeOf(() => decodeQrImage(png))).toBe('NO_QR_FOUND');
  });

  it('a blank JPEG → NO_QR_FOUND', () => {
    const jpg = jpeg.encode({ data: Buffer.alloc(320 * 240 * 4, 255), width: 320, height: 240 }, 90).data;
    expect(codeOf(() => decodeQrImage(jpg))).toBe('NO_QR_FOUND');
  });

  it('noise → NO_QR_FOUND, not a crash', () => {
    const data = new Uint8Array(300 * 300 * 4);
    let s = 12345;
    for (let i = 0; i < data.length; i++) data[i] = (s = (s * 1103515245 + 12345) >>> 0) >>> 24;
    expect(codeOf(() => decodeQrImage(pngOf({ data, width: 300, height: 300 })))).toBe('NO_QR_FOUND');
  });
});

describe('decodeQrImage: sizes are refused from the header, before decoding', () => {
  it('a PNG header declaring 50 000 × 50 000 → IMAGE_TOO_LARGE (the file has no pixel data at all)', () => {
    // If any decoder ran first, this file (no IDAT) would fail as broken, not as too large.
    expect(readImageSize(pngHeaderOnly(50_000, 50_000))).toEqual({ kind: 'png', width: 50_000, height: 50_000 });
    expect(codeOf(() => decodeQrImage(pngHeaderOnly(50_000, 50_000)))).toBe('IMAGE_TOO_LARGE');
  });

  it('a JPEG frame header declaring 65 000 × 65 000 → IMAGE_TOO_LARGE', () => {
    expect(readImageSize(jpegHeaderOnly(65_000, 65_000))).toEqual({ kind: 'jpeg', width: 65_000, height: 65_000 });
    expect(codeOf(() => decodeQrImage(jpegHeaderOnly(65_000, 65_000)))).toBe('IMAGE_TOO_LARGE');
  });

  it('one side over the per-side cap, or the pixel count just over the cap → IMAGE_TOO_LARGE', () => {
    expect(codeOf(() => decodeQrImage(pngHeaderOnly(20_000, 10)))).toBe('IMAGE_TOO_LARGE');
    expect(codeOf(() => decodeQrImage(pngHeaderOnly(4001, 4000)))).toBe('IMAGE_TOO_LARGE');
    expect(4001 * 4000).toBeGreaterThan(MAX_PIXELS);
  });

  it('a header within the cap but with no pixel data → IMAGE_INVALID (the decoder runs, and fails cleanly)', () => {
    expect(codeOf(() => decodeQrImage(pngHeaderOnly(100, 100)))).toBe('IMAGE_INVALID');
    expect(codeOf(() => decodeQrImage(jpegHeaderOnly(100, 100)))).toBe('IMAGE_INVALID');
  });

  it('a lower cap can be set', async () => {
    const png = await QRCode.toBuffer(HC1, { type: 'png', margin: 4, scale: 4 });
    expect(codeOf(() => decodeQrImage(png, { maxPixels: 10_000 }))).toBe('IMAGE_TOO_LARGE');
  });

  it('a zero-sized image → IMAGE_INVALID', () => {
    expect(codeOf(() => decodeQrImage(pngHeaderOnly(0, 10)))).toBe('IMAGE_INVALID');
  });
});

describe('decodeQrImage: garbage', () => {
  it('bytes that are neither PNG nor JPEG → IMAGE_INVALID', () => {
    expect(codeOf(() => decodeQrImage(Buffer.from('HC1:NCFOXN%TS3DH3ZSUZK+.V0ETD%65NL-AH')))).toBe('IMAGE_INVALID');
    expect(codeOf(() => decodeQrImage(new Uint8Array(0)))).toBe('IMAGE_INVALID');
  });

  it('a truncated PNG → IMAGE_INVALID', async () => {
    const png = await QRCode.toBuffer(HC1, { type: 'png', margin: 4, scale: 4 });
    for (const cut of [10, 30, 100, Math.floor(png.length / 2)]) {
      expect(codeOf(() => decodeQrImage(png.subarray(0, cut)))).toBe('IMAGE_INVALID');
    }
  });

  it('a PNG whose IDAT is not zlib → a 4xx code; whose first chunk is not IHDR → IMAGE_INVALID', () => {
    const head = pngHeaderOnly(10, 10);
    const broken = Buffer.concat([head, chunk('IDAT', Buffer.from('not zlib at all')), chunk('IEND', Buffer.alloc(0))]);
    // pngjs tolerates a broken IDAT stream and yields blank pixels, so either answer is a
    // clean client error; what must not happen is an exception escaping as a 500.
    expect(['IMAGE_INVALID', 'NO_QR_FOUND']).toContain(codeOf(() => decodeQrImage(broken)));
    const noIhdr = Buffer.concat([head.subarray(0, 8), chunk('IDAT', deflateSync(Buffer.alloc(10)))]);
    expect(codeOf(() => decodeQrImage(noIhdr))).toBe('IMAGE_INVALID');
  });

  it('a JPEG with random bytes after the markers, or a broken marker chain → IMAGE_INVALID', () => {
    const head = jpegHeaderOnly(64, 64).subarray(0, -2);
    const junk = Buffer.concat([head, Buffer.from([0xff, 0xda, 0x00, 0x08]), Buffer.alloc(200, 0x5a), Buffer.from([0xff, 0xd9])]);
    expect(codeOf(() => decodeQrImage(junk))).toBe('IMAGE_INVALID');
    expect(codeOf(() => decodeQrImage(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x01, 0x00])))).toBe('IMAGE_INVALID');
    expect(codeOf(() => decodeQrImage(Buffer.from([0xff, 0xd8, 0xff, 0xda, 0x00, 0x02])))).toBe('IMAGE_INVALID');
  });
});
