// "Trust HTTPS Certificate…" runs the engine's own `locald ca --install` logic
// (engine/tls/trust-run.ts), so the desktop and the CLI change the same stores the same
// way on every OS; this only turns its per-store report into what the dialog says.
import type { TrustCertificateResult } from '../../shared/desktop.js';
import { formatTrustOutcome, type TrustOutcome } from '../../engine/tls/trust-run.js';

/**
 * ok only when some store was changed or already had the CA, none failed and no browser is
 * left without it; the message always carries the per-store report.
 */
export function trustCertificateResult(outcome: TrustOutcome): TrustCertificateResult {
  const report = formatTrustOutcome(outcome);
  if (outcome.reports.length === 0) return { ok: false, message: `The locald certificate was not trusted anywhere.\n\n${report}` };
  if (outcome.reports.some((r) => r.status === 'failed' || r.stillUntrusted !== undefined)) {
    return { ok: false, message: `Some browsers will not trust the locald certificate yet.\n\n${report}` };
  }
  return { ok: true, message: `The locald certificate is trusted. Restart browsers that were open to pick up the change.\n\n${report}` };
}
