// `locald ca [--install | --uninstall]`: what the CLI prints and its exit code.
import { LocalCa } from './ca.js';
import { changeCaTrust, formatTrustOutcome, uninstallCa, type TrustOutcome, type TrustRunOptions } from './trust-run.js';

export type CaAction = 'path' | 'install' | 'uninstall';

/** Trusts the CA (creating it first if needed) in every store found on this machine. */
export async function installCa(home: string, options: TrustRunOptions = {}): Promise<TrustOutcome> {
  const ca = await LocalCa.open(home);
  const outcome = await changeCaTrust(home, 'install', options);
  const caNote =
    ca.origin.kind === 'created' ? 'created a new local CA' : ca.origin.kind === 'replaced' ? `created a new local CA (${ca.origin.reason})` : undefined;
  return caNote === undefined ? outcome : { ...outcome, caNote };
}

/**
 * `path` prints the CA certificate path (creating the CA on first use, so the path is
 * real) and how to trust it. `install`/`uninstall` change the trust stores and report
 * each one. Exit code 1 when any store failed, else 0 (skipped stores are reported with
 * the commands to run by hand).
 */
export async function caCommand(home: string, action: CaAction, options: TrustRunOptions = {}): Promise<{ exitCode: number; output: string }> {
  if (action === 'path') {
    const ca = await LocalCa.open(home);
    const lines = [
      ca.certPath,
      `  subject:     ${ca.commonName}`,
      `  sha256:      ${ca.fingerprint256}`,
      `  valid until: ${ca.certificate.validTo}`,
    ];
    if (ca.origin.kind !== 'loaded') lines.push(`  (new: ${ca.origin.kind === 'replaced' ? ca.origin.reason : 'created just now'})`);
    lines.push('Trust it with `locald ca --install`; Node services get it through NODE_EXTRA_CA_CERTS.');
    return { exitCode: 0, output: lines.join('\n') };
  }
  const outcome = action === 'install' ? await installCa(home, options) : await uninstallCa(home, options);
  const failed = outcome.reports.some((r) => r.status === 'failed');
  const tail = action === 'install' && !failed ? '\nRestart browsers that were open to pick up the change.' : '';
  return { exitCode: failed ? 1 : 0, output: formatTrustOutcome(outcome) + tail };
}
