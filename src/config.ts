// Configuration is environment variables only (contract "Starting it"), parsed once at start-up.
// A bad value stops the process with one line naming the variable.
import { z } from 'zod';

const port = z.coerce.number().int().min(0).max(65535);

export const ConfigSchema = z.object({
  PORT: port.default(8080),
  HOST: z.string().min(1).default('0.0.0.0'),
  TRUST_LISTS_DIR: z.string().min(1).default('./trust-lists'),
  POLICY_FILE: z.string().min(1).optional(),
  CLIENTS_FILE: z.string().min(1).optional(),
  DATA_DIR: z.string().min(1).default('./data'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** HTTPS: both or neither of certificate and key (PEM files). */
  TLS_CERT: z.string().min(1).optional(),
  TLS_KEY: z.string().min(1).optional(),
  /** Mutual TLS: CA bundle (PEM) that issues partner gateway certificates; needs TLS_CERT/TLS_KEY. */
  TLS_CLIENT_CA: z.string().min(1).optional(),
  /** Shared rate-limit counters for several processes or pods, e.g. redis://127.0.0.1:6379. */
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\/\S+$/, 'must be a redis:// or rediss:// URL')
    .optional(),
  /** Processes serving HTTP: a number, or `auto` for one per available core. */
  WORKERS: z.union([z.literal('auto'), z.coerce.number().int().min(1).max(64)]).default('auto'),
  /** Requests on the verification routes in progress at once (per process); more get 503. */
  MAX_IN_FLIGHT: z.coerce.number().int().min(1).max(100_000).default(256),
  /** Key (≥ 32 characters) for the keyed hash of certificate ids in the audit log; unset = a key kept in DATA_DIR. */
  AUDIT_HMAC_KEY: z.string().min(32, 'must be at least 32 characters').optional(),
  /** Serve /metrics only on this port, and not on PORT (contract "Starting it"). */
  METRICS_PORT: port.optional(),
  /** Address of the METRICS_PORT listener (an internal interface); default HOST. */
  METRICS_HOST: z.string().min(1).optional(),
  /** Open connections one client address may hold (0 = no cap); raise it behind a load balancer. */
  MAX_CONNECTIONS_PER_ADDRESS: z.coerce.number().int().min(0).max(100_000).default(128),
  /** P-256 private key (PKCS#8 PEM) that signs the trust export and receipts; unset = generated in DATA_DIR. */
  PUBLISH_KEY_FILE: z.string().min(1).optional(),
  /** Absolute base of the URLs the service hands out (/dgca/context); unset = http://HOST:PORT. */
  PUBLIC_BASE_URL: z
    .string()
    .max(2048)
    .regex(/^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/, 'must be an absolute http:// or https:// URL without query or fragment')
    .transform((u) => u.replace(/\/+$/, ''))
    .optional(),
}).superRefine((c, ctx) => {
  if (Boolean(c.TLS_CERT) !== Boolean(c.TLS_KEY)) {
    ctx.addIssue({ code: 'custom', path: [c.TLS_CERT ? 'TLS_KEY' : 'TLS_CERT'], message: 'TLS_CERT and TLS_KEY go together' });
  }
  if (c.METRICS_PORT !== undefined && c.METRICS_PORT !== 0 && c.METRICS_PORT === c.PORT) {
    ctx.addIssue({ code: 'custom', path: ['METRICS_PORT'], message: 'must differ from PORT' });
  }
  if (c.TLS_CLIENT_CA && !c.TLS_CERT) {
    ctx.addIssue({ code: 'custom', path: ['TLS_CLIENT_CA'], message: 'mutual TLS needs TLS_CERT and TLS_KEY' });
  }
});

/** Every variable the service reads (ConfigSchema is refined, so its shape is not reachable). */
export const CONFIG_KEYS = [
  'PORT', 'HOST', 'TRUST_LISTS_DIR', 'POLICY_FILE', 'CLIENTS_FILE', 'DATA_DIR', 'LOG_LEVEL',
  'TLS_CERT', 'TLS_KEY', 'TLS_CLIENT_CA', 'REDIS_URL', 'WORKERS', 'MAX_IN_FLIGHT', 'AUDIT_HMAC_KEY',
  'METRICS_PORT', 'METRICS_HOST', 'MAX_CONNECTIONS_PER_ADDRESS',
  'PUBLISH_KEY_FILE', 'PUBLIC_BASE_URL',
] as const;

export type Config = Readonly<z.infer<typeof ConfigSchema>>;

export class ConfigError extends Error {}

export function parseConfig(env: Record<string, string | undefined>): Config {
  const picked = Object.fromEntries(
    CONFIG_KEYS.map((k) => [k, env[k] === '' ? undefined : env[k]]),
  );
  const result = ConfigSchema.safeParse(picked);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new ConfigError(`invalid configuration: ${String(issue.path[0])}: ${issue.message}`);
  }
  return Object.freeze(result.data);
}

/** PUBLIC_BASE_URL, or `http://HOST:PORT` as the contract defaults it (an IPv6 host in brackets). */
export function publicBaseUrl(config: Pick<Config, 'PUBLIC_BASE_URL' | 'HOST' | 'PORT'>): string {
  if (config.PUBLIC_BASE_URL) return config.PUBLIC_BASE_URL;
  const host = config.HOST.includes(':') ? `[${config.HOST}]` : config.HOST;
  return `http://${host}:${config.PORT}`;
}
