// Structured logs (pino). Personal data never reaches them: request bodies are not logged,
// and the redaction list below is a second line of defence for anything that slips in.
import { pino, type Logger, type LoggerOptions } from 'pino';

export const REDACT_PATHS = [
  'qr', '*.qr', 'qrs', '*.qrs', 'body', '*.body', 'holder', '*.holder', 'dob', '*.dob',
  'dateOfBirth', '*.dateOfBirth', 'familyName', '*.familyName', 'givenName', '*.givenName',
  'req.headers.authorization', 'headers.authorization',
];

export function createLogger(opts: { level?: string; destination?: pino.DestinationStream } = {}): Logger {
  const options: LoggerOptions = {
    level: opts.level ?? 'info',
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    base: { service: 'lintas-verifier' },
  };
  // stdout is written asynchronously (lines leave at once, without blocking the event loop on
  // the write); pino flushes what is pending when the process exits.
  return pino(options, opts.destination ?? pino.destination({ dest: 1, sync: false }));
}

export type { Logger };
