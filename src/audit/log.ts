// The audit log (research/security.md §3.7): one JSON line per verification, appended to a
// file in DATA_DIR before the answer is sent, hash-chained so that editing, deleting or
// reordering a line is detected by `verifyAuditFile` (npm run audit:verify).
//
// What a record holds: time, the checked-at instant, request ids (ours and the caller's),
// client, route, format, outcome, error codes, domestic status, signer country and kid, and a
// keyed hash (HMAC-SHA-256) of the certificate id, so repeated use of one certificate can be
// linked without storing the id. Never names, dates of
// birth, the QR text or the payload (Reg. (EU) 2021/953 Art. 10(3): not retained).
//
// Mechanics:
// - O_APPEND, one write per record, synchronously, so a record exists before its response;
// - fdatasync every `syncIntervalMs` (group commit): a power cut loses at most that window;
// - the chain goes on across restarts: the last line's hash is read back at start-up; a torn
//   last line (crash mid-write) is cut off and a `recovered` record says so;
// - a failed write throws AuditWriteError, the route answers 503, and the next append first
//   cuts the file back to its last good length, so no torn line stays in the middle;
// - tampering with a whole rewritten chain is out of reach of a plain hash chain: the head hash
//   is logged at start and shut-down and served on the admin route, for anchoring elsewhere.
import { createHmac, createSecretKey, hash as digest, randomBytes, type KeyObject } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fdatasync,
  fstatSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { isoInstant } from '../time.js';

export const GENESIS = '0'.repeat(64);

export interface AuditEvent {
  /** The server's id of the request (never the caller's choice: issue #12 item 7). */
  reqId: string;
  /** The caller's own X-Request-Id, kept beside ours for correlation across gateways. */
  callerReqId?: string;
  client: string;
  route: string;
  format: string | null;
  outcome: 'VALID' | 'INVALID';
  codes: string[];
  status: string;
  /**
   * The instant validity was checked at (the request's `at`, RFC 3339): a backdated check of an
   * expired certificate must not read as VALID "now" (`time` is when the record was written).
   */
  at?: string;
  signerCountry?: string;
  signerKid?: string;
  /** HMAC-SHA-256 (hex) of the certificate id under the audit key; absent when no id was read. */
  certHash?: string;
}

export type AuditRecordType = 'verification' | 'opened' | 'recovered';

export interface AuditRecord extends Partial<AuditEvent> {
  seq: number;
  time: string;
  type: AuditRecordType;
  prev: string;
  hash: string;
}

export class AuditWriteError extends Error {}

/** What the app needs: append one record, or throw (→ 503). */
export interface AuditSink {
  append(event: AuditEvent, time: Date): void;
  certificateHash(id: string): string;
  head(): { seq: number; hash: string; file?: string };
}

export interface AuditLogOptions {
  file: string;
  /** Key of the certificate-id HMAC. */
  hmacKey: Buffer;
  syncIntervalMs?: number;
  /** The clock of the `opened`/`recovered` records (the edge's clock). */
  now?: () => Date;
}

const TAIL = /,"hash":"([0-9a-f]{64})"\}$/;

function hashOf(prev: string, body: string): string {
  // crypto.hash: one native call, no Hash object (and no handle for the GC) per record.
  return digest('sha256', `${prev}\n${body}`, 'hex');
}

/**
 * Serialises a record: `{"seq","time","type", …the fields…, "prev"}` is what the hash covers;
 * the hash goes last. The text is the JSON.stringify of that object, written out around one
 * stringify of the fields (the record object was two spreads per verification before; these
 * are its own fixed, escape-free values: a number, an RFC 3339 instant, a type name, a hex hash).
 */
function seal(seq: number, time: string, type: AuditRecordType, fields: object, prev: string): { line: string; hash: string } {
  const inner = JSON.stringify(fields).slice(1, -1);
  const json = `{"seq":${seq},"time":"${time}","type":"${type}"${inner ? ',' : ''}${inner},"prev":"${prev}"}`;
  const hash = hashOf(prev, json);
  return { line: `${json.slice(0, -1)},"hash":"${hash}"}\n`, hash };
}

function readTail(fd: number, size: number, max = 1 << 16): Buffer {
  const len = Math.min(size, max);
  const buf = Buffer.alloc(len);
  readSync(fd, buf, 0, len, size - len);
  return buf;
}

export class AuditLog implements AuditSink {
  private fd: number;
  private seq: number;
  private last: string;
  private goodSize: number;
  private dirty = false;
  private broken = false;
  private readonly timer: NodeJS.Timeout;
  private readonly hmacKey: KeyObject;

  private constructor(private readonly opts: AuditLogOptions, fd: number, seq: number, last: string, size: number) {
    this.fd = fd;
    this.seq = seq;
    this.last = last;
    this.goodSize = size;
    this.hmacKey = createSecretKey(opts.hmacKey);
    this.timer = setInterval(() => this.sync(), opts.syncIntervalMs ?? 100);
    this.timer.unref();
  }

  static open(opts: AuditLogOptions): AuditLog {
    mkdirSync(dirname(opts.file), { recursive: true });
    const fd = openSync(opts.file, 'a+', 0o600);
    const st = fstatSync(fd);
    let size = st.isFile() ? st.size : 0;
    let seq = 0;
    let last = GENESIS;
    let recovered = 0;
    if (size > 0) {
      const tail = readTail(fd, size);
      const text = tail.toString('utf8');
      const end = text.lastIndexOf('\n');
      if (end < text.length - 1) {
        // A torn last line: cut the file back to the end of the last complete line.
        const cut = end < 0 ? size - tail.length : size - (tail.length - (end + 1));
        recovered = size - cut;
        ftruncateSync(fd, cut);
        size = cut;
      }
      if (size > 0) {
        const lines = readTail(fd, size).toString('utf8').split('\n').filter(Boolean);
        const line = lines[lines.length - 1];
        const m = line ? TAIL.exec(line) : null;
        if (!line || !m) throw new AuditWriteError(`${opts.file}: the last record is not a sealed audit record`);
        last = m[1]!;
        seq = (JSON.parse(line) as { seq: number }).seq;
      }
    }
    const log = new AuditLog(opts, fd, seq, last, size);
    const now = opts.now?.() ?? new Date();
    try {
      if (recovered > 0) log.write('recovered', { codes: [`TRUNCATED_${recovered}_BYTES`] }, now);
      log.write('opened', {}, now);
    } catch {
      // The service still starts; every verification then answers 503 until writes succeed.
    }
    return log;
  }

  /** One verification record; throws AuditWriteError if it could not be written. */
  append(event: AuditEvent, time: Date): void {
    this.write('verification', event, time);
  }

  certificateHash(id: string): string {
    return createHmac('sha256', this.hmacKey).update(id, 'utf8').digest('hex');
  }

  head(): { seq: number; hash: string; file: string } {
    return { seq: this.seq, hash: this.last, file: this.opts.file };
  }

  get degraded(): boolean {
    return this.broken;
  }

  /** `fields`: the record's own fields, in order (undefined ones are left out, as JSON does). */
  private write(type: AuditRecordType, fields: Partial<AuditEvent>, time: Date): void {
    try {
      if (this.broken) {
        // Undo whatever part of the failed record reached the file before adding to it.
        ftruncateSync(this.fd, this.goodSize);
        this.broken = false;
      }
      const { line, hash } = seal(this.seq + 1, isoInstant(time), type, fields, this.last);
      const size = Buffer.byteLength(line, 'utf8');
      const written = writeSync(this.fd, line, null, 'utf8');
      if (written !== size) throw new Error(`short write (${written} of ${size} bytes)`);
      this.seq += 1;
      this.last = hash;
      this.goodSize += size;
      this.dirty = true;
    } catch (err) {
      this.broken = true;
      throw new AuditWriteError(`audit write failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private sync(): void {
    if (!this.dirty) return;
    this.dirty = false;
    fdatasync(this.fd, () => undefined);
  }

  close(): void {
    clearInterval(this.timer);
    try {
      closeSync(this.fd);
    } catch {
      // already closed
    }
    this.fd = -1;
  }
}

export interface AuditCheck {
  ok: boolean;
  file: string;
  records: number;
  head: string;
  /** 1-based line number and reason of the first broken link. */
  error?: { line: number; reason: string };
}

/** Re-walks a file's chain: every body hashes to its hash, links to the one before, seq +1. */
export function verifyAuditFile(file: string): AuditCheck {
  const text = readFileSync(file, 'utf8');
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  let prev = GENESIS;
  let seq = 0;
  for (const [i, line] of lines.entries()) {
    const fail = (reason: string): AuditCheck => ({ ok: false, file, records: i, head: prev, error: { line: i + 1, reason } });
    const m = TAIL.exec(line);
    if (!m) return fail('not a sealed record');
    const body = `${line.slice(0, m.index)}}`;
    let parsed: { seq?: unknown; prev?: unknown };
    try {
      parsed = JSON.parse(body) as { seq?: unknown; prev?: unknown };
    } catch {
      return fail('not JSON');
    }
    if (parsed.prev !== prev) return fail('does not link to the record before (deleted, inserted or reordered)');
    if (parsed.seq !== seq + 1) return fail(`sequence ${String(parsed.seq)} after ${seq}`);
    if (hashOf(prev, body) !== m[1]) return fail('hash does not match the content (edited)');
    prev = m[1]!;
    seq += 1;
  }
  return { ok: true, file, records: lines.length, head: prev };
}

/**
 * The certificate-id HMAC key: AUDIT_HMAC_KEY when set, else a random key kept in
 * `<dataDir>/audit/hmac.key` (mode 0600) so that hashes stay comparable across restarts.
 */
export function auditKey(dataDir: string, configured?: string): Buffer {
  if (configured) return Buffer.from(configured, 'utf8');
  const file = join(dataDir, 'audit', 'hmac.key');
  if (existsSync(file)) {
    const key = Buffer.from(readFileSync(file, 'utf8').trim(), 'hex');
    if (key.length >= 32) return key;
  }
  mkdirSync(dirname(file), { recursive: true });
  const key = randomBytes(32);
  try {
    writeFileSync(file, key.toString('hex'), { mode: 0o600, flag: 'wx' });
    return key;
  } catch {
    // Another worker created it first: use theirs.
    return Buffer.from(readFileSync(file, 'utf8').trim(), 'hex');
  }
}
