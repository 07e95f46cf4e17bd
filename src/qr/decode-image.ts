// Image bytes → the text of the QR code in it, for `POST /v1/verify/image` (contract
// "Endpoints"). Pure: no HTTP, no clock, no logging (the text is personal data).
//
// Hostile images are the risk here: a 5 MB body can declare a 60 000 × 60 000 canvas, which
// would need ~14 GB of RGBA. So the pixel count is read from the header (PNG IHDR, JPEG SOF)
// BEFORE any decoder allocates, and the decoders get their own caps as a second fence
// (jpeg-js `maxResolutionInMP`/`maxMemoryUsageInMB`; pngjs allocates from IHDR, which we
// checked). jsQR then runs once on a buffer downscaled to at most SCAN_SIDE per side (phone
// photos are far larger than a QR code needs, and jsQR's time must stay bounded), trying
// both polarities (dark-mode screenshots show light modules on a dark ground).
import { createRequire } from 'node:module';
import jpeg from 'jpeg-js';
import pngjs from 'pngjs';
import type { QRCode, Options as JsQrOptions } from 'jsqr';

// jsqr is a UMD bundle whose `module.exports` is the function; createRequire avoids relying
// on how a given loader maps a CommonJS default export.
const jsQR = createRequire(import.meta.url)('jsqr') as (
  data: Uint8ClampedArray,
  width: number,
  height: number,
  options?: JsQrOptions,
) => QRCode | null;

/** 16 megapixels: a 12 MP phone photo fits; more is not needed to read a QR code. */
export const MAX_PIXELS = 16_000_000;
/** Per side: PNG allows 2^31−1, JPEG 65 535; neither is a photo of a QR code. */
export const MAX_SIDE = 10_000;
/**
 * Longest side jsQR ever scans. jsQR's cost grows fast with size on hostile content: pixel
 * noise takes ~1.6 s at 1 200 px (both polarities) but ~17 s at 2 400 px, and a 5 MB grey
 * noise PNG can be 2 200 px square. Larger images are box-downscaled first; a 12 MP photo
 * becomes 1 280 × 960, which still resolves a QR code that spans a fifth of the frame.
 */
export const SCAN_SIDE = 1_280;

export type ImageKind = 'png' | 'jpeg';

/**
 * Stable codes; the HTTP edge maps them to statuses (too large 413, invalid 400, none 422).
 * IMAGE_UNREADABLE: the image could not be searched within its budget (contract: 2 s per image,
 * 422), set by the pool (src/qr/pool.ts) or for a decoder exception.
 */
export type ImageErrorCode = 'IMAGE_INVALID' | 'IMAGE_TOO_LARGE' | 'NO_QR_FOUND' | 'IMAGE_UNREADABLE';

export class ImageDecodeError extends Error {
  constructor(
    readonly code: ImageErrorCode,
    readonly detail: string,
  ) {
    super(detail);
    this.name = 'ImageDecodeError';
  }
}

const IMAGE_ERROR_CODES = new Set<string>(['IMAGE_INVALID', 'IMAGE_TOO_LARGE', 'NO_QR_FOUND', 'IMAGE_UNREADABLE'] satisfies ImageErrorCode[]);

/**
 * The error a code names after it crossed a thread or process boundary (the pool's threads,
 * the decoder process); a code that is not one of ours is still the image's doing: unreadable.
 */
export function imageErrorOf(code: string, detail: string): ImageDecodeError {
  return new ImageDecodeError(IMAGE_ERROR_CODES.has(code) ? (code as ImageErrorCode) : 'IMAGE_UNREADABLE', detail);
}

export interface ImageSize {
  kind: ImageKind;
  width: number;
  height: number;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** The image kind from its magic bytes (the Content-Type header is the client's claim only). */
export function sniffImage(bytes: Uint8Array): ImageKind | null {
  if (bytes.length >= 8 && PNG_SIGNATURE.every((b, i) => bytes[i] === b)) return 'png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  return null;
}

const u16 = (b: Uint8Array, o: number) => ((b[o] ?? 0) << 8) | (b[o + 1] ?? 0);
const u32 = (b: Uint8Array, o: number) => ((b[o] ?? 0) * 0x1000000 + (((b[o + 1] ?? 0) << 16) | ((b[o + 2] ?? 0) << 8) | (b[o + 3] ?? 0)));

/** PNG: the first chunk must be IHDR (PNG spec §11.2.2), width and height are its first 8 bytes. */
function pngSize(b: Uint8Array): ImageSize {
  if (b.length < 24) throw new ImageDecodeError('IMAGE_INVALID', 'the PNG is truncated');
  const type = String.fromCharCode(b[12] ?? 0, b[13] ?? 0, b[14] ?? 0, b[15] ?? 0);
  if (type !== 'IHDR' || u32(b, 8) !== 13) throw new ImageDecodeError('IMAGE_INVALID', 'the PNG does not start with an IHDR chunk');
  return { kind: 'png', width: u32(b, 16), height: u32(b, 20) };
}

/**
 * JPEG: walk the marker segments (ITU-T T.81 §B.1.1) up to the first SOFn frame header, whose
 * payload is precision(1) height(2) width(2). SOF0–SOF15 except DHT (C4), JPG (C8), DAC (CC).
 */
function jpegSize(b: Uint8Array): ImageSize {
  let o = 2;
  while (o + 4 <= b.length) {
    if (b[o] !== 0xff) throw new ImageDecodeError('IMAGE_INVALID', 'the JPEG marker structure is broken');
    const marker = b[o + 1] ?? 0;
    if (marker === 0xff) {
      o += 1; // fill byte
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      o += 2; // standalone markers carry no length
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) break; // end of image / start of scan before any frame
    const length = u16(b, o + 2);
    if (length < 2) throw new ImageDecodeError('IMAGE_INVALID', 'the JPEG has a segment with a bad length');
    const isSof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isSof) {
      if (length < 7 || o + 9 > b.length) throw new ImageDecodeError('IMAGE_INVALID', 'the JPEG frame header is truncated');
      return { kind: 'jpeg', height: u16(b, o + 5), width: u16(b, o + 7) };
    }
    o += 2 + length;
  }
  throw new ImageDecodeError('IMAGE_INVALID', 'the JPEG has no frame header');
}

/** Width and height from the header alone, without decoding a pixel. */
export function readImageSize(bytes: Uint8Array): ImageSize {
  const kind = sniffImage(bytes);
  if (kind === null) throw new ImageDecodeError('IMAGE_INVALID', 'the body is neither a PNG nor a JPEG image');
  return kind === 'png' ? pngSize(bytes) : jpegSize(bytes);
}

/** Refuses an image whose header declares more pixels than `maxPixels`, before decoding. */
export function checkImageSize(size: ImageSize, maxPixels = MAX_PIXELS): void {
  if (size.width < 1 || size.height < 1) throw new ImageDecodeError('IMAGE_INVALID', 'the image has no pixels');
  if (size.width > MAX_SIDE || size.height > MAX_SIDE || size.width * size.height > maxPixels) {
    throw new ImageDecodeError(
      'IMAGE_TOO_LARGE',
      `the image is ${size.width} × ${size.height} pixels; at most ${maxPixels / 1_000_000} megapixels and ${MAX_SIDE} per side are accepted`,
    );
  }
}

interface Rgba {
  data: Uint8Array;
  width: number;
  height: number;
}

function decodePixels(bytes: Uint8Array, size: ImageSize, maxPixels: number): Rgba {
  try {
    if (size.kind === 'png') {
      // pngjs expands every colour type and bit depth to 8-bit RGBA.
      const png = pngjs.PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      return { data: png.data, width: png.width, height: png.height };
    }
    const img = jpeg.decode(bytes, {
      useTArray: true,
      formatAsRGBA: true,
      tolerantDecoding: true,
      maxResolutionInMP: maxPixels / 1_000_000,
      // RGBA output plus jpeg-js's component buffers (its own accounting; a 12 MP photo needs
      // more than 256).
      maxMemoryUsageInMB: 512,
    });
    return { data: img.data, width: img.width, height: img.height };
  } catch (err) {
    if (err instanceof ImageDecodeError) throw err;
    const message = err instanceof Error ? err.message : '';
    if (/maxResolutionInMP|maxMemoryUsageInMB|memory/i.test(message)) {
      throw new ImageDecodeError('IMAGE_TOO_LARGE', 'the image needs more memory to decode than is allowed');
    }
    throw new ImageDecodeError('IMAGE_INVALID', `the ${size.kind === 'png' ? 'PNG' : 'JPEG'} image could not be decoded`);
  }
}

/**
 * Area-average downscale of RGBA so that the longest side is `side` (fractional factors, so a
 * 4 032 px photo lands on 1 280 px rather than on 1 008 at factor 4: every pixel per QR module
 * counts). Each output pixel averages the source pixels its footprint covers.
 */
function downscale(img: Rgba, side: number): Rgba {
  const f = Math.max(img.width, img.height) / side;
  const width = Math.max(1, Math.floor(img.width / f));
  const height = Math.max(1, Math.floor(img.height / f));
  const out = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    const y0 = Math.floor(y * f);
    const y1 = Math.min(img.height, Math.max(y0 + 1, Math.floor((y + 1) * f)));
    for (let x = 0; x < width; x++) {
      const x0 = Math.floor(x * f);
      const x1 = Math.min(img.width, Math.max(x0 + 1, Math.floor((x + 1) * f)));
      let r = 0;
      let g = 0;
      let b = 0;
      for (let sy = y0; sy < y1; sy++) {
        let i = (sy * img.width + x0) * 4;
        for (let sx = x0; sx < x1; sx++, i += 4) {
          r += img.data[i] ?? 0;
          g += img.data[i + 1] ?? 0;
          b += img.data[i + 2] ?? 0;
        }
      }
      const n = (y1 - y0) * (x1 - x0);
      const o = (y * width + x) * 4;
      out[o] = r / n;
      out[o + 1] = g / n;
      out[o + 2] = b / n;
      out[o + 3] = 255;
    }
  }
  return { data: out, width, height };
}

/** Transparent pixels count as white paper (a PNG QR with an alpha background would be black). */
function flattenAlpha(img: Rgba): void {
  const d = img.data;
  for (let i = 0; i < d.length; i += 4) {
    const a = d[i + 3] ?? 255;
    if (a === 255) continue;
    const k = a / 255;
    d[i] = (d[i] ?? 0) * k + 255 * (1 - k);
    d[i + 1] = (d[i + 1] ?? 0) * k + 255 * (1 - k);
    d[i + 2] = (d[i + 2] ?? 0) * k + 255 * (1 - k);
    d[i + 3] = 255;
  }
}

function scan(img: Rgba): string | null {
  const clamped = new Uint8ClampedArray(img.data.buffer, img.data.byteOffset, img.width * img.height * 4);
  const found = jsQR(clamped, img.width, img.height, { inversionAttempts: 'attemptBoth' });
  return found ? found.data : null;
}

export interface DecodeOptions {
  maxPixels?: number;
}

/**
 * The text of the QR code in a PNG or JPEG image. Throws ImageDecodeError: IMAGE_INVALID
 * (not an image, or broken), IMAGE_TOO_LARGE (header over the caps, checked before
 * decoding) or NO_QR_FOUND.
 */
export function decodeQrImage(bytes: Uint8Array, opts: DecodeOptions = {}): string {
  const maxPixels = opts.maxPixels ?? MAX_PIXELS;
  const size = readImageSize(bytes);
  checkImageSize(size, maxPixels);
  const img = decodePixels(bytes, size, maxPixels);
  // The decoder's own idea of the size must agree with the header we checked.
  if (img.width * img.height > maxPixels || img.data.length < img.width * img.height * 4) {
    throw new ImageDecodeError('IMAGE_INVALID', 'the decoded image does not match its header');
  }
  flattenAlpha(img);
  const side = Math.max(img.width, img.height);
  let text = scan(side > SCAN_SIDE ? downscale(img, SCAN_SIDE) : img);
  // A small code in a large photo can blur away at 2.5 px a module: look once more at twice the
  // resolution. On hostile noise this pass is what the pool's 2 s budget stops (src/qr/pool.ts).
  if (text === null && side > SCAN_SIDE) text = scan(side > 2 * SCAN_SIDE ? downscale(img, 2 * SCAN_SIDE) : img);
  if (text === null) throw new ImageDecodeError('NO_QR_FOUND', 'no QR code was found in the image');
  return text;
}
