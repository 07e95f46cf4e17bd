// Request bodies, parsed at the edge with zod; the same schemas describe the API in OpenAPI
// (src/http/openapi.ts converts them with z.toJSONSchema; limits are interpolated, not prose).
import { z } from 'zod';
import { isCalendarDay } from '../time.js';

export const MAX_QR_BYTES = 8 * 1024;

/** RFC 3339 §5.6 date-time with an explicit zone (Z or ±hh:mm); the fields are range-checked by parseInstant. */
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/;

/**
 * The instant of an RFC 3339 date-time, or undefined when it names none: every field in range
 * (RFC 3339 §5.7: month 01–12, day within its month, leap years per §C), so `02-30` is refused
 * instead of rolling over to 2 March as Date.parse does (issue #12 item 7). A leap second
 * (`:60`) is refused: JavaScript time has none.
 */
export function instantOf(text: string): Date | undefined {
  const m = RFC3339.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (!isCalendarDay(year, month, day) || hour > 23 || minute > 59 || second > 59) return undefined;
  let offsetMinutes = 0;
  if (m[8]) {
    const oh = Number(m[9]);
    const om = Number(m[10]);
    if (oh > 23 || om > 59) return undefined;
    offsetMinutes = (m[8] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const ms = m[7] ? Math.floor(Number(`0${m[7]}`) * 1000) : 0;
  const t = Date.UTC(year, month - 1, day, hour, minute, second, ms) - offsetMinutes * 60_000;
  // Date.UTC maps years 0–99 to 1900–1999; such dates are not instants a certificate is checked at.
  return year < 100 || !Number.isFinite(t) ? undefined : new Date(t);
}

/** For values AtSchema accepted. */
export function parseInstant(text: string): Date {
  const at = instantOf(text);
  if (!at) throw new Error(`not an RFC 3339 instant: ${text.slice(0, 40)}`);
  return at;
}

export const AtSchema = z
  .string()
  .max(40)
  .regex(RFC3339, 'must be an RFC 3339 date-time with a time zone')
  .refine((s) => instantOf(s) !== undefined, 'is not a real date-time (a field is out of range)')
  .meta({ description: 'RFC 3339 date-time to check validity at; defaults to now', format: 'date-time' });

// maxLength (characters) is implied by the byte cap (a character is at least one byte of
// UTF-8), so JSON Schema can state it; the byte cap itself is the refinement.
export const QrSchema = z
  .string()
  .min(1)
  .max(MAX_QR_BYTES, `must be at most ${MAX_QR_BYTES} bytes of UTF-8`)
  .refine((s) => Buffer.byteLength(s, 'utf8') <= MAX_QR_BYTES, `must be at most ${MAX_QR_BYTES} bytes of UTF-8`)
  .meta({ description: `The text read from the QR code (at most ${MAX_QR_BYTES} bytes of UTF-8)` });

/** Contract `receipt`: add a signed receipt of the verdict (src/publish/receipt.ts). */
export const ReceiptFlagSchema = z
  .boolean()
  .describe('When true the report carries `receipt`, a compact JWS (ES256) of the verdict, verifiable with /.well-known/jwks.json');

export const VerifyRequestSchema = z.object({
  qr: QrSchema,
  receipt: ReceiptFlagSchema.optional(),
  at: AtSchema.optional(),
  arrivalCountry: z
    .string()
    .regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code')
    .optional()
    .describe('Evaluate the arrival country’s EU business rules and add a `rules` block'),
});

export const BatchRequestSchema = z.object({
  items: z.array(z.object({ qr: QrSchema, at: AtSchema.optional(), receipt: ReceiptFlagSchema.optional() })).min(1).max(100),
});

export const HolderStatusRequestSchema = z.object({
  qrs: z.array(QrSchema).min(1).max(10),
  at: AtSchema.optional(),
});

export type VerifyRequest = z.infer<typeof VerifyRequestSchema>;
