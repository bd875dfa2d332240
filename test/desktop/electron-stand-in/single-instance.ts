// app.requestSingleInstanceLock on a real lock, in the user-data folder as Electron keeps
// it on Linux: an exclusively created SingletonLock file naming its holder, and a Unix
// socket (SingletonSocket) on which the holder hears from later instances. A lock whose
// holder process is gone is stale and taken over.
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import type { Server } from 'node:net';
import { join } from 'node:path';

export interface SecondInstanceMessage {
  argv: string[];
  cwd: string;
  additionalData: unknown;
}

function holderAlive(lockFile: string): boolean {
  let pid: number;
  try {
    pid = Number(readFileSync(lockFile, 'utf8').split('\n')[0]);
  } catch {
    return false;
  }
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class SingleInstanceLock {
  private readonly lockFile: string;
  private readonly socketFile: string;
  private server: Server | null = null;
  /** Set when this instance lost the race: resolves once the holder was told. */
  notified: Promise<void> | null = null;

  constructor(
    dir: string,
    private readonly label: string,
  ) {
    this.lockFile = join(dir, 'SingletonLock');
    this.socketFile = join(dir, 'SingletonSocket');
    mkdirSync(dir, { recursive: true });
  }

  get held(): boolean {
    return this.server !== null;
  }

  /** True when this instance now holds the lock; false after telling the holder about us. */
  acquire(message: SecondInstanceMessage, onSecondInstance: (message: SecondInstanceMessage) => void): boolean {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(this.lockFile, 'wx', 0o600);
        writeSync(fd, `${process.pid}\n${this.label}\n`);
        closeSync(fd);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        if (holderAlive(this.lockFile)) {
          this.notified = this.notify(message);
          return false;
        }
        rmSync(this.lockFile, { force: true });
        continue;
      }
      rmSync(this.socketFile, { force: true });
      this.server = createServer((socket) => {
        let text = '';
        socket.setEncoding('utf8');
        socket.on('data', (chunk: string) => (text += chunk));
        socket.on('end', () => {
          socket.end();
          onSecondInstance(JSON.parse(text) as SecondInstanceMessage);
        });
      });
      this.server.listen(this.socketFile);
      return true;
    }
    throw new Error(`could not take ${this.lockFile}`);
  }

  release(): void {
    if (this.server === null) return;
    this.server.close();
    this.server = null;
    rmSync(this.lockFile, { force: true });
    rmSync(this.socketFile, { force: true });
  }

  private notify(message: SecondInstanceMessage): Promise<void> {
    return new Promise((resolve, reject) => {
      const socket = createConnection(this.socketFile, () => socket.end(JSON.stringify(message)));
      socket.on('error', reject);
      socket.on('close', () => resolve());
      socket.resume();
    });
  }
}
