// Request bodies, parsed at the edge with zod; the same schemas describe the API in OpenAPI.
import { z } from 'zod';

export const MAX_QR_BYTES = 8 * 1024;

/** RFC 3339 date-time with an explicit zone (Z or ±hh:mm). */
const rfc3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;

export const AtSchema = z
  .string()
  .max(40)
  .regex(rfc3339, 'must be an RFC 3339 date-time with a time zone')
  .refine((s) => !Number.isNaN(Date.parse(s)), 'is not a real date-time')
  .describe('RFC 3339 date-time to check validity at; defaults to now');

export const QrSchema = z
  .string()
  .min(1)
  .refine((s) => Buffer.byteLength(s, 'utf8') <= MAX_QR_BYTES, `must be at most ${MAX_QR_BYTES} bytes of UTF-8`)
  .describe('The text read from the QR code');

export const VerifyRequestSchema = z.object({
  qr: QrSchema,
  at: AtSchema.optional(),
  arrivalCountry: z
    .string()
    .regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code')
    .optional()
    .describe('Evaluate the arrival country’s EU business rules and add a `rules` block'),
});

export const BatchRequestSchema = z.object({
  items: z.array(z.object({ qr: QrSchema, at: AtSchema.optional() })).min(1).max(100),
});

export const HolderStatusRequestSchema = z.object({
  qrs: z.array(QrSchema).min(1).max(10),
  at: AtSchema.optional(),
});

export type VerifyRequest = z.infer<typeof VerifyRequestSchema>;
