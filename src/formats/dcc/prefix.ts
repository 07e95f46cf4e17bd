// Context identifier (hcert spec §4.2.2): only `HC1:` is understood. `HC2:`, `HL0:` and a bare
// Base45 string are refused (dgc-testdata H1–H3).
import { VerificationError } from '../../errors.js';

export const HC1_PREFIX = 'HC1:';

export function stripPrefix(text: string): string {
  if (!text.startsWith(HC1_PREFIX)) throw new VerificationError('UNSUPPORTED_FORMAT', 'missing HC1: prefix');
  return text.slice(HC1_PREFIX.length);
}
