// The OpenAPI 3.1 description served at GET /openapi.json, generated from the zod schemas the
// service itself uses: request bodies from the schemas the routes parse with (src/http/schemas.ts),
// reports from the schemas the model's types are inferred from (src/report-schema.ts), the other
// answers from the schemas below and in src/publish/openapi.ts. zod 4's own `z.toJSONSchema`
// converts each registry of named schemas at once (JSON Schema 2020-12, which OpenAPI 3.1 uses as
// is), with `$ref`s between them; limits are the code's constants, interpolated, not prose.
// test/http/openapi-answers.test.ts validates a real answer of every route against this document.
//
// (@asteasolutions/zod-to-openapi 9 was tried and dropped: it needs `extendZodWithOpenApi` on the zod instance the
// schemas were built with; under this ESM/CJS mix it did not take, so the native converter is
// used.)
import { z } from 'zod';
import { BatchResponseSchema, CheckSchema, HolderStatusResponseSchema, ReportSchema } from '../report-schema.js';
import { publishOpenApi } from '../publish/openapi.js';
import type { TrustSummary } from '../trust/store.js';
import type { SourceStatus } from '../trust/types.js';
import { SCOPES } from './auth.js';
import { BODY_DEADLINE_MS, JSON_LIMIT_BYTES } from './body.js';
import { IMAGE_LIMIT, IMAGE_TYPES } from './image.js';
import { PROBLEM_CODES, PROBLEMS, type ProblemCode } from './problems.js';
import { BatchRequestSchema, HolderStatusRequestSchema, MAX_QR_BYTES, VerifyRequestSchema } from './schemas.js';

export const API_VERSION = '1.2.0';

export { BatchResponseSchema, HolderStatusResponseSchema, ReportSchema };

/** RFC 9457 problem document; `code` is one of the problem table (src/http/problems.ts). */
export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string().describe('In the request’s language (Accept-Language)'),
    status: z.number().int().min(400).max(599),
    detail: z.string(),
    code: z.enum(PROBLEM_CODES as [ProblemCode, ...ProblemCode[]]).describe('Stable code from the problem table; never changes with the language'),
  })
  .loose()
  .describe('RFC 9457 problem document; further members are extensions (e.g. `index` of a HOLDER_MISMATCH)');

const CodeCounts = z.record(z.string(), z.number().int());
const EntryReport = z.looseObject({ kid: z.string().optional(), code: z.string().optional(), reason: z.string() });

export const SourceStatusSchema = z.object({
  id: z.string(),
  type: z.string(),
  lastSuccess: z.string().nullable(),
  lastAttempt: z.string().nullable(),
  lastError: z.string().nullable().describe('On /v1/trust only the failure’s code; the text is for the operator (admin routes, log)'),
  stale: z.boolean(),
  signerCount: z.number().int(),
  countries: CodeCounts,
  dropped: z.array(EntryReport),
  droppedTotal: z.number().int().optional(),
  droppedCodes: CodeCounts.optional(),
  notices: z.array(EntryReport).optional(),
  noticeTotal: z.number().int().optional(),
  noticeCodes: CodeCounts.optional(),
  origin: z.enum(['file', 'url', 'snapshot']).nullable().optional(),
  errorCode: z.string().nullable().optional(),
  listTime: z.string().nullable().optional(),
  listTimeKind: z.enum(['signed', 'newest-entry']).nullable().optional(),
  held: z.object({ at: z.string(), signerCount: z.number().int(), entryCount: z.number().int(), previousEntryCount: z.number().int() }).nullable().optional(),
  expired: z.boolean().optional(),
  revocationEntries: z.number().int().optional(),
  staleAfterSeconds: z.number().nullable().optional(),
  maxAgeSeconds: z.number().nullable().optional(),
});

export const TrustSourceSchema = SourceStatusSchema.extend({ ageSeconds: z.number().nullable() });

export const TrustSummarySchema = z.object({
  snapshot: z.string().describe('id of the trust snapshot in force; the same from every process of an instance'),
  builtAt: z.string(),
  ready: z.boolean(),
  stale: z.boolean(),
  signerCount: z.number().int(),
  countries: CodeCounts,
  sources: z.array(TrustSourceSchema),
});

// The trust store keeps its own interfaces; the compiler holds them to these schemas' members,
// so a field added there fails the build here until the document names it.
type SameKeys<A, B> = [keyof A] extends [keyof B] ? ([keyof B] extends [keyof A] ? true : false) : false;
type Assert<T extends true> = T;
export type TrustSummaryMatchesSchema = Assert<SameKeys<TrustSummary, z.infer<typeof TrustSummarySchema>>>;
export type SourceStatusMatchesSchema = Assert<SameKeys<SourceStatus, z.infer<typeof SourceStatusSchema>>>;

const AdminClientsSchema = z.object({
  clients: z.array(z.object({ id: z.string(), scopes: z.array(z.enum(SCOPES)), requestsPerMinute: z.number().int() })).describe('Never key hashes'),
});

const AdminAuditSchema = z.object({
  head: z.object({ seq: z.number().int(), hash: z.string().regex(/^[0-9a-f]{64}$/), file: z.string().optional() }).describe('The chain head, for anchoring'),
  check: z
    .object({ ok: z.boolean(), file: z.string(), records: z.number().int(), head: z.string(), error: z.object({ line: z.number().int(), reason: z.string() }).optional() })
    .nullable()
    .describe('A full walk of the chain'),
});

const StatusSchema = (values: [string, ...string[]]) => z.object({ status: z.enum(values) });

const SamplesSchema = z.object({
  samples: z.array(z.object({ id: z.string(), title: z.object({ en: z.string(), id: z.string() }), expect: z.string(), file: z.string(), qr: z.string() })),
});

/** The outline /openapi.json itself is checked against (the full OpenAPI 3.1 meta-schema is not shipped). */
const OpenApiOutlineSchema = z.looseObject({
  openapi: z.string().regex(/^3\.1\.\d+$/),
  info: z.looseObject({ title: z.string(), version: z.string() }),
  paths: z.record(z.string(), z.record(z.string(), z.unknown())),
  components: z.looseObject({ schemas: z.record(z.string(), z.unknown()) }),
});

type Json = Record<string, unknown>;

/** Each registry becomes `components.schemas`, `$ref`s pointing there; `io` picks the side of transforms. */
function componentSchemas(schemas: Record<string, z.ZodType>, io: 'input' | 'output'): Record<string, Json> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(schemas)) registry.add(schema, { id });
  const out = z.toJSONSchema(registry, { io, target: 'draft-2020-12', unrepresentable: 'any', uri: (id) => `#/components/schemas/${id}` }).schemas as Record<string, Json>;
  for (const schema of Object.values(out)) {
    // Each is a member of the document, not a document of its own.
    delete schema['$schema'];
    delete schema['$id'];
  }
  return out;
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const kb = (bytes: number) => `${Math.round(bytes / 1024)} KB`;
const IMAGE_LIMIT_TEXT = IMAGE_LIMIT.toUpperCase().replace('MB', ' MB');

/** The problem codes of one status, from the table: what a response of that status may carry. */
const codesOf = (status: number): ProblemCode[] => PROBLEM_CODES.filter((c) => PROBLEMS[c].status === status);

const retryAfter = { 'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'integer', minimum: 0 } } };

/**
 * A problem answer: the Problem schema with `status` fixed and `code` narrowed to the codes this
 * answer may carry (by default every code of the table with that status).
 */
function problem(status: number, description: string, codes: readonly ProblemCode[] = codesOf(status)): Json {
  for (const c of codes) if (PROBLEMS[c].status !== status) throw new Error(`openapi: ${c} is a ${PROBLEMS[c].status}, not a ${status}`);
  return {
    description: `${description} (code ${codes.join(', ')})`,
    ...(status === 429 || status === 503 ? { headers: retryAfter } : {}),
    content: {
      'application/problem+json': {
        schema: { allOf: [ref('Problem')], properties: { status: { const: status }, code: { enum: [...codes] } } },
      },
    },
  };
}

const rateHeaders = {
  'RateLimit-Limit': { description: 'The client’s requests per minute', schema: { type: 'integer' } },
  'RateLimit-Remaining': { description: 'Requests left in the sliding minute', schema: { type: 'integer' } },
};

/** Answers every guarded route may give besides its own. */
function guarded(scope: 'verify' | 'admin'): Json {
  const unauthorized = problem(401, 'Missing or bad credentials (only when CLIENTS_FILE is set)');
  return {
    '401': { ...unauthorized, headers: { 'WWW-Authenticate': { schema: { type: 'string' } } } },
    '403': problem(403, `A valid client without the \`${scope}\` scope`),
    '429': problem(429, 'Over the client’s requestsPerMinute, or too many failed authentications from this address'),
  };
}

const internal = { '500': problem(500, 'A bug: the service answers no stack trace', ['INTERNAL']) };

const json = (description: string, schemaRef: string, headers?: Json): Json => ({
  description,
  ...(headers ? { headers } : {}),
  content: { 'application/json': { schema: ref(schemaRef) } },
});

function jsonBody(schemaRef: string): Json {
  return { required: true, content: { 'application/json': { schema: ref(schemaRef) } } };
}

const verifying503 = () => problem(503, 'No trust source loaded, too many verifications in progress, a verification that could not be finished (never a verdict), or the audit log cannot be written', [
  'TRUST_NOT_READY',
  'OVERLOADED',
  'VERIFICATION_UNAVAILABLE',
  'AUDIT_UNAVAILABLE',
]);

function verifyResponses(ok: string, okRef: string): Json {
  return {
    '200': json(ok, okRef, rateHeaders),
    '400': problem(400, `Malformed request: not JSON, no \`qr\` string, \`qr\` over ${MAX_QR_BYTES} bytes of UTF-8, bad \`at\``, ['INVALID_REQUEST', 'INVALID_JSON', 'BAD_REQUEST']),
    ...guarded('verify'),
    '408': problem(408, `The body did not arrive within ${BODY_DEADLINE_MS / 1000} s`),
    '413': problem(413, `Body over ${kb(JSON_LIMIT_BYTES)}`, ['BODY_TOO_LARGE']),
    '415': problem(415, 'Body not application/json in UTF-8, or a content coding'),
    '503': verifying503(),
    ...internal,
  };
}

const langHeader = {
  name: 'Accept-Language',
  in: 'header',
  required: false,
  description: '`id` or `en` (default) for human texts; codes never change',
  schema: { type: 'string' },
};

const page = (operationId: string, summary: string, type: string, extra: Json = {}) => ({
  get: {
    operationId,
    summary,
    tags: ['console'],
    responses: {
      '200': { description: summary, content: { [type]: { schema: { type: 'string' } } } },
      ...extra,
      ...internal,
    },
  },
});

const consoleFile = (operationId: string, summary: string, type: string) =>
  page(operationId, summary, type, {
    '304': { description: 'Not modified (ETag)' },
    '404': problem(404, 'The file is missing'),
    '503': problem(503, 'The console files are not installed', ['CONSOLE_UNAVAILABLE']),
  });

/** Routes of the app that no path names, and methods a path does not serve: 404 NOT_FOUND. */
const notFound = problem(404, 'No such resource');

export function openApiDocument(opts: { serverUrl?: string } = {}): Record<string, unknown> {
  const security = [{ apiKey: [] }, { mutualTls: [] }, {}];
  const adminSecurity = [{ apiKey: [] }, { mutualTls: [] }];
  const publishing = publishOpenApi(problem);
  const requests = componentSchemas({ VerifyRequest: VerifyRequestSchema, BatchRequest: BatchRequestSchema, HolderStatusRequest: HolderStatusRequestSchema }, 'input');
  const responses = componentSchemas(
    {
      Report: ReportSchema,
      Check: CheckSchema,
      BatchResponse: BatchResponseSchema,
      HolderStatusResponse: HolderStatusResponseSchema,
      TrustSummary: TrustSummarySchema,
      TrustSource: TrustSourceSchema,
      SourceStatus: SourceStatusSchema,
      Problem: ProblemSchema,
      AdminClients: AdminClientsSchema,
      AdminAudit: AdminAuditSchema,
      Health: StatusSchema(['ok']),
      Readiness: StatusSchema(['ready', 'not ready']),
      Samples: SamplesSchema,
      OpenApiOutline: OpenApiOutlineSchema,
      ...publishing.schemas,
    },
    'output',
  );
  const maxItems = (schema: Json | undefined, key: string) => ((schema?.['properties'] as Record<string, Json> | undefined)?.[key]?.['maxItems'] as number | undefined) ?? '?';
  const batchMax = maxItems(requests['BatchRequest'], 'items');
  const holderMax = maxItems(requests['HolderStatusRequest'], 'qrs');
  const admin404 = problem(404, 'No CLIENTS_FILE (admin routes are off), no such source, or a feature this deployment lacks');

  const doc = {
    openapi: '3.1.0',
    info: {
      title: 'Lintas health-certificate verifier',
      version: API_VERSION,
      description:
        'Verifies EU DCC (HC1), WHO DDCC and DVC, SMART Health Cards, DIVOC and ICAO VDS-NC certificates and maps them to the Indonesian domestic status. ' +
        'Every well-formed request gets 200, valid certificate or not; problems (RFC 9457) are for malformed requests, credentials, limits, readiness and faults. ' +
        'With CLIENTS_FILE set, every /v1 route needs a client (Bearer API key or mutual-TLS certificate) with the scope it names; ' +
        'without it, verification is open and /v1/admin/* does not exist (404). Every unknown path answers 404 NOT_FOUND (components.responses.NotFound).',
    },
    ...(opts.serverUrl ? { servers: [{ url: opts.serverUrl }] } : {}),
    components: {
      securitySchemes: {
        apiKey: { type: 'http', scheme: 'bearer', description: 'The API key; the service stores only its SHA-256' },
        mutualTls: { type: 'mutualTLS', description: 'A client certificate issued by TLS_CLIENT_CA whose SHA-256 fingerprint a client lists' },
      },
      schemas: { ...requests, ...responses },
      responses: { NotFound: notFound },
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
          summary: `Verify 1–${batchMax} certificates; one report per item, in order`,
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
          summary: `Combine 1–${holderMax} certificates of one person into one domestic status`,
          tags: ['verify'],
          security,
          parameters: [langHeader],
          requestBody: jsonBody('HolderStatusRequest'),
          responses: {
            ...verifyResponses('The combined status and every report', 'HolderStatusResponse'),
            '422': problem(422, 'The certificates belong to different holders', ['HOLDER_MISMATCH']),
          },
        },
      },
      '/v1/verify/image': {
        post: {
          operationId: 'verifyImage',
          summary: `Verify the QR code in a PNG or JPEG (≤ ${IMAGE_LIMIT_TEXT})`,
          tags: ['verify'],
          security,
          parameters: [langHeader, { name: 'at', in: 'query', required: false, schema: { type: 'string', format: 'date-time' } }],
          requestBody: {
            required: true,
            content: Object.fromEntries(IMAGE_TYPES.map((t) => [t, { schema: { type: 'string', contentMediaType: t } }])),
          },
          responses: {
            ...verifyResponses('The report', 'Report'),
            '400': problem(400, 'An empty or unreadable image, or a bad `at`', ['INVALID_REQUEST', 'IMAGE_INVALID', 'BAD_REQUEST']),
            '413': problem(413, `Image over ${IMAGE_LIMIT_TEXT} or with too many pixels`, ['BODY_TOO_LARGE', 'IMAGE_TOO_LARGE']),
            '415': problem(415, `Not ${IMAGE_TYPES.join(' or ')}`),
            '422': problem(422, 'No QR code found, or none read within the time budget', ['NO_QR_FOUND', 'IMAGE_UNREADABLE']),
          },
        },
      },
      '/v1/trust': {
        get: {
          operationId: 'trust',
          summary: 'Trust sources, signer counts per country, last refresh, staleness, the snapshot in force',
          tags: ['trust'],
          security,
          responses: { '200': json('The trust summary', 'TrustSummary', rateHeaders), ...guarded('verify'), ...internal },
        },
      },
      '/v1/samples': {
        get: {
          operationId: 'samples',
          summary: 'The demo certificates the console can load',
          tags: ['console'],
          security,
          responses: { '200': json('The samples', 'Samples'), ...guarded('verify'), ...internal, '500': problem(500, 'The sample list could not be read, or a bug', ['SAMPLES_UNREADABLE', 'INTERNAL']) },
        },
      },
      '/v1/admin/clients': {
        get: {
          operationId: 'adminClients',
          summary: 'Configured clients: ids, scopes, limits (never key hashes)',
          tags: ['admin'],
          security: adminSecurity,
          responses: { '200': json('The clients', 'AdminClients'), ...guarded('admin'), '404': admin404, ...internal },
        },
      },
      '/v1/admin/audit': {
        get: {
          operationId: 'adminAudit',
          summary: 'This process’s audit log: head hash for anchoring, and a full chain check',
          tags: ['admin'],
          security: adminSecurity,
          responses: { '200': json('Head and chain check', 'AdminAudit'), ...guarded('admin'), '404': admin404, ...internal },
        },
      },
      '/v1/admin/trust/refresh': {
        post: {
          operationId: 'adminTrustRefresh',
          summary: 'Refresh every trust source now; answers once the new snapshot is in force',
          tags: ['admin'],
          security: adminSecurity,
          responses: { '200': json('The trust summary after the refresh (with failure texts)', 'TrustSummary'), ...guarded('admin'), '404': admin404, ...internal },
        },
      },
      '/v1/admin/trust/sources/{id}': {
        get: {
          operationId: 'adminTrustSource',
          summary: 'One trust source: status, staleness, and whether a list is held by the shrink guard',
          tags: ['admin'],
          security: adminSecurity,
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { '200': json('The source status', 'TrustSource'), ...guarded('admin'), '404': admin404, ...internal },
        },
      },
      '/v1/admin/trust/sources/{id}/accept-held': {
        post: {
          operationId: 'adminTrustAcceptHeld',
          summary: 'Apply the list the shrink guard holds for this source (an operator decision)',
          tags: ['admin'],
          security: adminSecurity,
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          responses: {
            '200': json('The source status after applying the held list', 'SourceStatus'),
            ...guarded('admin'),
            '404': admin404,
            '409': problem(409, 'The source holds no list'),
            ...internal,
          },
        },
      },
      ...withInternal(publishing.paths),
      '/healthz': { get: { operationId: 'healthz', summary: '200 when the process is up', tags: ['operations'], responses: { '200': json('Up', 'Health') } } },
      '/readyz': {
        get: {
          operationId: 'readyz',
          summary: '200 only when at least one trust source is loaded',
          tags: ['operations'],
          responses: { '200': json('Ready', 'Readiness'), '503': json('Not ready', 'Readiness') },
        },
      },
      '/metrics': {
        get: {
          operationId: 'metrics',
          summary: 'Prometheus text format (with METRICS_PORT set: only on that port; 404 here)',
          tags: ['operations'],
          responses: { '200': { description: 'Metrics', content: { 'text/plain': { schema: { type: 'string' } } } }, '404': notFound, ...internal },
        },
      },
      '/openapi.json': {
        get: { operationId: 'openapi', summary: 'This document', tags: ['operations'], responses: { '200': json('OpenAPI 3.1', 'OpenApiOutline') } },
      },
      '/docs': page('docs', 'This document as a web page (served locally, no script)', 'text/html'),
      '/docs.css': page('docsCss', 'The docs page’s stylesheet', 'text/css'),
      '/': consoleFile('console', 'The border-officer console (web page)', 'text/html'),
      '/index.html': consoleFile('consoleIndex', 'The console page under its file name', 'text/html'),
      '/console/app.js': consoleFile('consoleApp', 'The console’s script', 'text/javascript'),
      '/console/i18n.js': consoleFile('consoleI18n', 'The console’s texts in id and en', 'text/javascript'),
      '/console/render.js': consoleFile('consoleRender', 'How the console draws a report', 'text/javascript'),
      '/console/styles.css': consoleFile('consoleStyles', 'The console’s stylesheet', 'text/css'),
      '/vendor/jsQR.js': consoleFile('vendorJsQr', 'jsQR from node_modules: the camera fallback (no CDN)', 'text/javascript'),
      '/vendor/qrcode.js': consoleFile('vendorQrcode', 'qrcode-generator from node_modules: draws the receipt QR (no CDN)', 'text/javascript'),
      '/favicon.ico': { get: { operationId: 'favicon', summary: 'No icon: 204, cached a day', tags: ['console'], responses: { '204': { description: 'No content' } } } },
    },
  };
  return doc;
}

/** Every publishing operation may fail with a bug like any other. */
function withInternal(paths: Json): Json {
  for (const ops of Object.values(paths) as Record<string, { responses: Json }>[]) for (const op of Object.values(ops)) op.responses = { ...op.responses, ...internal };
  return paths;
}
