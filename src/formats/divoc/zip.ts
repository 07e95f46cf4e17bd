// DIVOC QR codes carry a ZIP archive with one entry, `certificate.json` (WHO ddcc-validator
// QRDecoder; DIVOC verification-app). A small bounded reader (PKWARE APPNOTE 6.3: end of central
// directory → central directory → local header): it trusts no size field, refuses archives a QR
// code could never hold, and caps inflation so a zip bomb stops at the cap.
import { crc32, deflateRawSync } from 'node:zlib';
import { inflateCapped } from '../inflate.js';
import { VerificationError } from '../../errors.js';

/** A QR code holds under 3 KB of binary data; twice the base64 of that is generous. */
export const MAX_ZIP_BYTES = 16 * 1024;
/** A DIVOC certificate.json is 2–4 KB; 64 KB is far above any real one. */
export const MAX_ENTRY_BYTES = 64 * 1024;
/** Real archives hold one entry. */
export const MAX_ENTRIES = 8;
export const CERTIFICATE_ENTRY = 'certificate.json';

const EOCD_SIG = 0x06054b50;
const CEN_SIG = 0x02014b50;
const LOC_SIG = 0x04034b50;

function broken(detail: string): VerificationError {
  return new VerificationError('DECOMPRESSION_FAILED', detail);
}

export function readCertificateJson(zip: Uint8Array): Uint8Array {
  if (zip.length > MAX_ZIP_BYTES) throw new VerificationError('PAYLOAD_TOO_LARGE', `archive over ${MAX_ZIP_BYTES} bytes`);
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const u16 = (at: number) => view.getUint16(at, true);
  const u32 = (at: number) => view.getUint32(at, true);
  if (zip.length < 22) throw broken('archive too short');

  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
    if (u32(i) === EOCD_SIG) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw broken('no end of central directory');
  if (u16(eocd + 4) !== 0 || u16(eocd + 6) !== 0) throw broken('multi-disk archive');
  const entries = u16(eocd + 10);
  if (entries > MAX_ENTRIES || u16(eocd + 8) !== entries) throw new VerificationError('PAYLOAD_TOO_LARGE', `archive lists ${entries} entries`);
  const cdSize = u32(eocd + 12);
  const cdOffset = u32(eocd + 16);
  if (cdOffset + cdSize > eocd) throw broken('central directory out of bounds');

  let pos = cdOffset;
  for (let i = 0; i < entries; i++) {
    if (pos + 46 > eocd || u32(pos) !== CEN_SIG) throw broken('bad central directory entry');
    const flags = u16(pos + 8);
    const method = u16(pos + 10);
    const crc = u32(pos + 16);
    const compSize = u32(pos + 20);
    const size = u32(pos + 24);
    const nameLen = u16(pos + 28);
    const next = pos + 46 + nameLen + u16(pos + 30) + u16(pos + 32);
    if (next > eocd) throw broken('central directory entry out of bounds');
    const name = Buffer.from(zip.subarray(pos + 46, pos + 46 + nameLen)).toString('utf8');
    const local = u32(pos + 42);
    pos = next;
    if (name !== CERTIFICATE_ENTRY) continue;

    // 0xFFFFFFFF marks ZIP64: a multi-GB claim no QR code can hold.
    if (size > MAX_ENTRY_BYTES || compSize > MAX_ZIP_BYTES) throw new VerificationError('PAYLOAD_TOO_LARGE', `${name} claims ${size} bytes`);
    if (flags & 0x1) throw broken('encrypted entry');
    if (local + 30 > zip.length || u32(local) !== LOC_SIG) throw broken('bad local header');
    const start = local + 30 + u16(local + 26) + u16(local + 28);
    const end = start + compSize;
    if (end > cdOffset) throw broken('entry data out of bounds');
    const data = zip.subarray(start, end);

    let out: Uint8Array;
    if (method === 0) out = data;
    else if (method === 8) out = inflateCapped(data, { raw: true, max: MAX_ENTRY_BYTES }).bytes;
    else throw broken(`compression method ${method} not supported`);
    // The declared size and CRC are checked after inflating: a lying header gains nothing.
    if (out.length !== size || crc32(out) !== crc) throw broken('entry size or CRC mismatch');
    return out;
  }
  throw broken(`no ${CERTIFICATE_ENTRY} in archive`);
}

/** A one-entry archive (deflated), as DIVOC issues it; for the demo and tests. */
export function zipCertificateJson(json: Uint8Array, name = CERTIFICATE_ENTRY): Uint8Array {
  const data = deflateRawSync(json);
  const nameBytes = Buffer.from(name, 'utf8');
  const crc = crc32(json);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(LOC_SIG, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt16LE(8, 8);
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(json.length, 22);
  local.writeUInt16LE(nameBytes.length, 26);
  const cen = Buffer.alloc(46);
  cen.writeUInt32LE(CEN_SIG, 0);
  cen.writeUInt16LE(20, 4);
  cen.writeUInt16LE(20, 6);
  cen.writeUInt16LE(8, 10);
  cen.writeUInt32LE(crc, 16);
  cen.writeUInt32LE(data.length, 20);
  cen.writeUInt32LE(json.length, 24);
  cen.writeUInt16LE(nameBytes.length, 28);
  cen.writeUInt32LE(0, 42);
  const cdOffset = local.length + nameBytes.length + data.length;
  const cdSize = cen.length + nameBytes.length;
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(EOCD_SIG, 0);
  eocd.writeUInt16LE(1, 8);
  eocd.writeUInt16LE(1, 10);
  eocd.writeUInt32LE(cdSize, 12);
  eocd.writeUInt32LE(cdOffset, 16);
  return new Uint8Array(Buffer.concat([local, nameBytes, data, cen, nameBytes, eocd]));
}
