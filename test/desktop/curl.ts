// A real curl, which resolves *.localhost to loopback itself, as a user's would.
import { execFile } from 'node:child_process';

export function curl(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    execFile('curl', ['-sS', '--max-time', '10', '-w', '\n%{http_code}', url], (error, stdout, stderr) => {
      if (error !== null) return reject(new Error(`curl ${url}: ${stderr || error.message}`));
      const cut = stdout.lastIndexOf('\n');
      resolve({ status: Number(stdout.slice(cut + 1)), body: stdout.slice(0, cut) });
    });
  });
}
