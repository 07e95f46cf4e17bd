// TRUST_SOURCE_STALE in reports (issue 4): a certificate verified with a signer whose source
// could not be refreshed recently (or is past its stale age) carries the warning, whatever its
// format. Done by wrapping the adapters, so no adapter needs to know about sources.
import type { AdapterResult, FormatAdapter, VerifyContext } from '../formats/format.js';

export const TRUST_SOURCE_STALE = 'TRUST_SOURCE_STALE';

/** `adapters`, each adding TRUST_SOURCE_STALE when its signer's source is stale in ctx.trust. */
export function withStaleWarnings(adapters: readonly FormatAdapter[]): FormatAdapter[] {
  return adapters.map((adapter) => ({
    format: adapter.format,
    detect: (text: string) => adapter.detect(text),
    async verify(text: string, ctx: VerifyContext): Promise<AdapterResult> {
      const result = await adapter.verify(text, ctx);
      const source = result.signer?.source;
      if (source && ctx.trust.sourceStale?.(source) && !result.warnings.some((w) => w.code === TRUST_SOURCE_STALE)) {
        result.warnings.push({ code: TRUST_SOURCE_STALE, detail: `trust source ${source}` });
      }
      return result;
    },
  }));
}
