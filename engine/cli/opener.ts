// Opens a URL with the platform's opener; a machine without one is not an error.
import { spawn } from 'node:child_process';

export function openerFor(platform: NodeJS.Platform, url: string): { command: string; args: string[] } {
  if (platform === 'darwin') return { command: 'open', args: [url] };
  // `start` is a cmd builtin; its first quoted argument is a window title.
  if (platform === 'win32') return { command: 'cmd.exe', args: ['/d', '/s', '/c', 'start', '""', url] };
  return { command: 'xdg-open', args: [url] };
}

/** Resolves with null when the opener started, or a sentence saying why it could not. */
export function openUrl(url: string, platform: NodeJS.Platform = process.platform): Promise<string | null> {
  const { command, args } = openerFor(platform, url);
  return new Promise((resolve) => {
    const child = spawn(command, args, { detached: true, stdio: 'ignore' });
    child.once('error', (e: NodeJS.ErrnoException) => resolve(`${command} could not run (${e.code ?? e.message}); open the URL yourself`));
    child.once('spawn', () => {
      child.unref();
      resolve(null);
    });
  });
}
