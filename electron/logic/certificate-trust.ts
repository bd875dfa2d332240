// Trusting locald's local CA is an explicit user action that goes through the OS's
// own prompt: Keychain's password dialog on macOS, the certificate warning on Windows.
import { join } from 'node:path';

export type TrustCommand = { ok: true; file: string; args: string[] } | { ok: false; message: string };

export function trustCertificateCommand(platform: string, caCertPath: string, homeDir: string): TrustCommand {
  switch (platform) {
    case 'darwin':
      return {
        ok: true,
        file: '/usr/bin/security',
        args: ['add-trusted-cert', '-r', 'trustRoot', '-k', join(homeDir, 'Library', 'Keychains', 'login.keychain-db'), caCertPath],
      };
    case 'win32':
      // -user: the current user's Root store; Windows shows its own confirmation dialog.
      return { ok: true, file: 'certutil.exe', args: ['-user', '-addstore', 'Root', caCertPath] };
    default:
      return {
        ok: false,
        message: `Add ${caCertPath} to your system and browser trust stores (for example with "sudo trust anchor ${caCertPath}" or your distribution's update-ca-certificates).`,
      };
  }
}
