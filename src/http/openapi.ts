// The OpenAPI 3.1 description served at GET /openapi.json. Request bodies come from the very
// zod schemas the routes validate with (src/http/schemas.ts), converted by zod 4's own
// `z.toJSONSchema` (JSON Schema 2020-12, which OpenAPI 3.1 uses as is). The answer shapes are
// zod schemas here; the HTTP tests parse real answers with them, so the document cannot drift
// from what the service sends.
//
// (@asteasolutions/zod-to-openapi 9 was tried and dropped: it needs `extendZodWithOpenApi` on the zod instance the
// schemas were built with; under this ESM/CJS mix it did not take, so the native converter is
// used.)
import { z } from 'zod';
import { ERROR_CODES } from '../errors.js';
import { BatchRequestSchema, HolderStatusRequestSchema, MAX_QR_BYTES, VerifyRequestSchema } from './schemas.js';
import { publishOpenApi } from '../publish/openapi.js';

export const API_VERSION = '1.1.0';

const ErrorCodeSchema = z.enum(ERROR_CODES as [string, ...string[]]).describe('A contract error code; never changes with the language');

export const ReportErrorSchema = z.object({ code: ErrorCodeSchema, message: z.string() });

export const DomesticSchema = z.object({
  status: z.enum(['GREEN', 'YELLOW', 'RED', 'BLACK', 'INVALID']),
  reasons: z.array(z.string()),
  reasonTexts: z.array(z.string()).optional(),
  validUntil: z.string().nullable(),
  validFrom: z.string().optional().describe('From when the evidence counts, when the policy names a start (a yellow-fever vaccination: 10 days after it)'),
  policy: z.string().describe('id@version of the domestic policy'),
});

export const ReportSchema = z
  .object({
    outcome: z.enum(['VALID', 'INVALID']),
    format: z.enum(['EU_DCC', 'WHO_DDCC', 'WHO_DVC', 'SHC', 'DIVOC', 'ICAO_VDS']).nullable(),
    errors: z.array(ReportErrorSchema).describe('Empty exactly when outcome is VALID'),
    warnings: z.array(z.object({ code: z.string(), message: z.string() })),
    signer: z
      .object({ kid: z.string(), country: z.string(), algorithm: z.string(), source: z.string(), subject: z.string().optional() })
      .optional(),
    issuedAt: z.string().optional(),
    expiresAt: z.string().optional(),
    holder: z
      .object({
        familyName: z.string().optional(),
        givenName: z.string().optional(),
        familyNameStd: z.string().optional(),
        givenNameStd: z.string().optional(),
        dateOfBirth: z.string().optional(),
      })
      .optional(),
    certificate: z.record(z.string(), z.unknown()).optional().describe('Normalised fields with value-set display names'),
    checks: z.array(z.object({ name: z.string(), passed: z.boolean(), code: z.string().optional() })),
    receipt: z.string().optional().describe('With "receipt": true: a compact JWS (ES256) of the verdict, verifiable with /.well-known/jwks.json'),
    domestic: DomesticSchema,
    rules: z
      .object({
        result: z.enum(['PASSED', 'FAILED', 'OPEN']),
        failed: z.array(z.object({ identifier: z.string(), description: z.string().optional() })),
        open: z.array(z.object({ identifier: z.string(), description: z.string().optional() })).optional(),
        arrivalCountry: z.string(),
        evaluated: z.number().optional(),
      })
      .optional(),
  })
  .refine((r) => (r.outcome === 'VALID') === (r.errors.length === 0), 'errors is empty exactly when outcome is VALID')
  .refine((r) => (r.outcome === 'INVALID') === (r.domestic.status === 'INVALID'), 'domestic INVALID exactly when outcome INVALID');

export const BatchResponseSchema = z.object({ results: z.array(ReportSchema) });

export const HolderStatusResponseSchema = DomesticSchema.extend({ results: z.array(ReportSchema) });

export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.string().optional().describe('Stable code: INVALID_REQUEST, UNAUTHORIZED, FORBIDDEN, RATE_LIMITED, HOLDER_MISMATCH, …'),
  })
  .loose();

export const TrustSummarySchema = z
  .object({
    builtAt: z.string(),
    ready: z.boolean(),
    stale: z.boolean(),
    signerCount: z.number(),
    countries: z.record(z.string(), z.number()),
    sources: z.array(
      z
        .object({
          id: z.string(),
          type: z.string(),
          lastSuccess: z.string().nullable(),
          lastAttempt: z.string().nullable(),
          lastError: z.string().nullable(),
          stale: z.boolean(),
          signerCount: z.number(),
          ageSeconds: z.number().nullable(),
        })
        .loose(),
    ),
  })
  .loose();

type Schema = z.ZodType;

function jsonSchema(schema: Schema, io: 'input' | 'output'): Record<string, unknown> {
  const out = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as Record<string, unknown>;
  delete out['$schema'];
  return out;
}

/** The byte cap of `qr` is a refinement JSON Schema cannot state; say it in characters too. */
function withQrCaps(schema: Record<string, unknown>): Record<string, unknown> {
  const walk = (node: unknown): void => {
    if (!node || typeof node !== 'object') return;
    const rec = node as Record<string, unknown>;
    if (rec['description'] === 'The text read from the QR code' && rec['type'] === 'string') {
      rec['maxLength'] = MAX_QR_BYTES;
      rec['description'] = `The text read from the QR code (at most ${MAX_QR_BYTES} bytes of UTF-8)`;
    }
    for (const v of Object.values(rec)) walk(v);
  };
  walk(schema);
  return schema;
}

const problemRef = { $ref: '#/components/schemas/Problem' };
const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: problemRef } } });
const rateHeaders = {
  'RateLimit-Limit': { description: 'The client’s requests per minute', schema: { type: 'integer' } },
  'RateLimit-Remaining': { description: 'Requests left in the sliding minute', schema: { type: 'integer' } },
};

/** Answers every guarded route may give besides its own. */
function guarded(scope: 'verify' | 'admin') {
  return {
    '401': {
      ...problem('Missing or bad credentials (only when CLIENTS_FILE is set)'),
      headers: { 'WWW-Authenticate': { schema: { type: 'string' } } },
    },
    '403': problem(`A valid client without the \`${scope}\` scope`),
    '429': {
      ...problem('Over the client’s requestsPerMinute'),
      headers: { 'Retry-After': { description: 'Seconds to wait', schema: { type: 'integer' } } },
    },
  };
}

function jsonBody(ref: string) {
  return { required: true, content: { 'application/json': { schema: { $ref: `#/components/schemas/${ref}` } } } };
}

function verifyResponses(ok: string, okRef: string) {
  return {
    '200': { description: ok, headers: rateHeaders, content: { 'application/json': { schema: { $ref: `#/components/schemas/${okRef}` } } } },
    '400': problem('Malformed request: not JSON, no `qr` string, `qr` over 8 KB, bad `at`'),
    ...guarded('verify'),
    '413': problem('Body over 64 KB'),
    '415': problem('Body not application/json'),
    '503': {
      ...problem('No trust source loaded, too many requests in progress, or the audit log cannot be written'),
      headers: { 'Retry-After': { schema: { type: 'integer' } } },
    },
  };
}

const langHeader = {
  name: 'Accept-Language',
  in: 'header',
  required: false,
  description: '`id` or `en` (default) for human texts; codes never change',
  schema: { type: 'string' },
};

export function openApiDocument(opts: { serverUrl?: string } = {}): Record<string, unknown> {
  const security = [{ apiKey: [] }, { mutualTls: [] }, {}];
  const publishing = publishOpenApi((s) => jsonSchema(s, 'output'), problem);
  return {
    openapi: '3.1.0',
    info: {
      title: 'Lintas health-certificate verifier',
      version: API_VERSION,
      description:
        'Verifies EU DCC (HC1), WHO DDCC, SMART Health Cards, DIVOC and ICAO VDS-NC certificates and maps them to the Indonesian domestic status. ' +
        'Every well-formed request gets 200, valid certificate or not; problems (RFC 9457) are for malformed requests, credentials, limits and readiness. ' +
        'With CLIENTS_FILE set, every /v1 route needs a client (Bearer API key or mutual-TLS certificate) with the scope it names; ' +
        'without it, verification is open and /v1/admin/* does not exist (404).',
    },
    ...(opts.serverUrl ? { servers: [{ url: opts.serverUrl }] } : {}),
    components: {
      securitySchemes: {
        apiKey: { type: 'http', scheme: 'bearer', description: 'The API key; the service stores only its SHA-256' },
        mutualTls: { type: 'mutualTLS', description: 'A client certificate issued by TLS_CLIENT_CA whose SHA-256 fingerprint a client lists' },
      },
      schemas: {
        VerifyRequest: withQrCaps(jsonSchema(VerifyRequestSchema, 'input')),
        BatchRequest: withQrCaps(jsonSchema(BatchRequestSchema, 'input')),
        HolderStatusRequest: withQrCaps(jsonSchema(HolderStatusRequestSchema, 'input')),
        Report: jsonSchema(ReportSchema, 'output'),
        BatchResponse: { type: 'object', properties: { results: { type: 'array', items: { $ref: '#/components/schemas/Report' } } }, required: ['results'] },
        HolderStatusResponse: jsonSchema(HolderStatusResponseSchema, 'output'),
        TrustSummary: jsonSchema(TrustSummarySchema, 'output'),
        Problem: jsonSchema(ProblemSchema, 'output'),
        ...publishing.schemas,
      },
    },
    paths: {
      '/v1/verify': {
        post: {
          operationId: 'verify',
          summary: 'Verify one certificate',
          tags: ['verify'],
          security,
          parameters: [langHeader],
          requestBody: jsonBody('VerifyRequest'),
          responses: verifyResponses('The report (outcome VALID or INVALID)', 'Report'),
        },
      },
      '/v1/verify/batch': {
        post: {
          operationId: 'verifyBatch',
          summary: 'Verify 1–100 certificates; one report per item, in order',
          tags: ['verify'],
          security,
          parameters: [langHeader],
          requestBody: jsonBody('BatchRequest'),
          responses: verifyResponses('One report per item, in order', 'BatchResponse'),
        },
      },
      '/v1/holder-status': {
        post: {
          operationId: 'holderStatus',
          summary: 'Combine several certificates of one person into one domestic status',
          tags: ['verify'],
          security,
          parameters: [langHeader],
          requestBody: jsonBody('HolderStatusRequest'),
          responses: {
            ...verifyResponses('The combined status and every report', 'HolderStatusResponse'),
            '422': problem('The certificates belong to different holders (code HOLDER_MISMATCH)'),
          },
        },
      },
      '/v1/verify/image': {
        post: {
          operationId: 'verifyImage',
          summary: 'Verify the QR code in a PNG or JPEG (≤ 5 MB)',
          tags: ['verify'],
          security,
          parameters: [
            langHeader,
            { name: 'at', in: 'query', required: false, schema: { type: 'string', format: 'date-time' } },
          ],
          requestBody: {
            required: true,
            content: {
              'image/png': { schema: { type: 'string', contentMediaType: 'image/png' } },
              'image/jpeg': { schema: { type: 'string', contentMediaType: 'image/jpeg' } },
            },
          },
          responses: {
            ...verifyResponses('The report', 'Report'),
            '413': problem('Image over 5 MB or too many pixels'),
            '415': problem('Not image/png or image/jpeg'),
            '422': problem('No QR code found'),
          },
        },
      },
      '/v1/trust': {
        get: {
          operationId: 'trust',
          summary: 'Trust sources, signer counts per country, last refresh, staleness',
          tags: ['trust'],
          security,
          responses: {
            '200': { description: 'The trust summary', content: { 'application/json': { schema: { $ref: '#/components/schemas/TrustSummary' } } } },
            ...guarded('verify'),
          },
        },
      },
      '/v1/admin/clients': {
        get: {
          operationId: 'adminClients',
          summary: 'Configured clients: ids, scopes, limits (never key hashes)',
          tags: ['admin'],
          security: [{ apiKey: [] }, { mutualTls: [] }],
          responses: { '200': { description: 'The clients' }, ...guarded('admin'), '404': problem('No CLIENTS_FILE: admin routes are off') },
        },
      },
      '/v1/admin/audit': {
        get: {
          operationId: 'adminAudit',
          summary: 'This process’s audit log: head hash for anchoring, and a full chain check',
          tags: ['admin'],
          security: [{ apiKey: [] }, { mutualTls: [] }],
          responses: { '200': { description: 'Head and chain check' }, ...guarded('admin'), '404': problem('No CLIENTS_FILE: admin routes are off') },
        },
      },
      '/v1/admin/trust/refresh': {
        post: {
          operationId: 'adminTrustRefresh',
          summary: 'Refresh every trust source now',
          tags: ['admin'],
          security: [{ apiKey: [] }, { mutualTls: [] }],
          responses: {
            '200': { description: 'The trust summary after the refresh', content: { 'application/json': { schema: { $ref: '#/components/schemas/TrustSummary' } } } },
            ...guarded('admin'),
            '404': problem('No CLIENTS_FILE, or this deployment has no refresher'),
          },
        },
      },
      '/v1/admin/trust/sources/{id}': {
        get: {
          operationId: 'adminTrustSource',
          summary: 'One trust source: status, staleness, and whether a list is held by the shrink guard',
          tags: ['admin'],
          security: [{ apiKey: [] }, { mutualTls: [] }],
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { '200': { description: 'The source status' }, ...guarded('admin'), '404': problem('No such source, or no CLIENTS_FILE') },
        },
      },
      '/v1/admin/trust/sources/{id}/accept-held': {
        post: {
          operationId: 'adminTrustAcceptHeld',
          summary: 'Apply the list the shrink guard holds for this source (an operator decision)',
          tags: ['admin'],
          security: [{ apiKey: [] }, { mutualTls: [] }],
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          responses: {
            '200': { description: 'The source status after applying the held list' },
            ...guarded('admin'),
            '404': problem('No such source, or no CLIENTS_FILE'),
            '409': problem('The source holds no list (NOTHING_HELD)'),
          },
        },
      },
      ...publishing.paths,
      '/healthz': { get: { operationId: 'healthz', summary: '200 when the process is up', tags: ['operations'], responses: { '200': { description: 'Up' } } } },
      '/readyz': {
        get: {
          operationId: 'readyz',
          summary: '200 only when at least one trust source is loaded',
          tags: ['operations'],
          responses: { '200': { description: 'Ready' }, '503': { description: 'Not ready' } },
        },
      },
      '/metrics': {
        get: {
          operationId: 'metrics',
          summary: 'Prometheus text format',
          tags: ['operations'],
          responses: { '200': { description: 'Metrics', content: { 'text/plain': { schema: { type: 'string' } } } } },
        },
      },
      '/openapi.json': {
        get: { operationId: 'openapi', summary: 'This document', tags: ['operations'], responses: { '200': { description: 'OpenAPI 3.1' } } },
      },
      '/docs': {
        get: { operationId: 'docs', summary: 'This document as a web page (served locally)', tags: ['operations'], responses: { '200': { description: 'HTML' } } },
      },
      '/': {
        get: { operationId: 'console', summary: 'The border-officer console (web page)', tags: ['console'], responses: { '200': { description: 'HTML' } } },
      },
    },
  };
}
