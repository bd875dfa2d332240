// Finds "I am listening on port N" in a service's output, and words the diagnosis for a
// service that listens elsewhere than $PORT (ports from output or from its sockets). Pure.
import { stripAnsi } from './line-splitter.js';

// A line must look like a listening/URL announcement...
const ANNOUNCE = /\b(listen\w*|local|running|serving|server|started|ready|available|open (?:your browser|on)|url|network|dev server)\b/i;
// ...and not like a connection to something else, or the Node debugger.
const NOT_ANNOUNCE = /\b(connect\w*|database|db|redis|postgres\w*|mongo\w*|mysql|amqp|kafka|upstream|proxy\w*|proxying|fetch\w*|debugger|inspector|devtools|error|failed|refused|in use)\b/i;

const HOST_PORT =
  /(?:https?:\/\/|wss?:\/\/)?(?:localhost|127\.\d{1,3}\.\d{1,3}\.\d{1,3}|0\.0\.0\.0|\[::1?\]|\[::ffff:127\.0\.0\.1\]|[a-z0-9.-]+\.local|\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}):(\d{2,5})(?!\d)/gi;
// ":5173" not preceded by a digit/letter (so "12:34:56" and "host:80" don't count twice).
const BARE_PORT = /(?<![\w:\]])[:](\d{2,5})(?![\d:])/g;
const PORT_WORD = /\bport\s*[:=]?\s*(\d{2,5})(?!\d)/gi;

/** Ports a log line announces it is listening on (deduplicated, in order of appearance). */
export function detectListeningPorts(line: string): number[] {
  const text = stripAnsi(line);
  if (!ANNOUNCE.test(text) || NOT_ANNOUNCE.test(text)) return [];
  const found: number[] = [];
  const add = (raw: string | undefined): void => {
    const port = Number(raw);
    if (Number.isInteger(port) && port >= 1 && port <= 65535 && !found.includes(port)) found.push(port);
  };
  const withoutHostPorts = text.replace(HOST_PORT, (_m, port: string) => {
    add(port);
    return ' ';
  });
  for (const m of withoutHostPorts.matchAll(BARE_PORT)) add(m[1]);
  for (const m of withoutHostPorts.matchAll(PORT_WORD)) add(m[1]);
  return found;
}

/**
 * The diagnostic for a service that announced, or was seen listening on, `ports` while $PORT
 * is `expected`, or null.
 */
export function portMismatchDiagnostic(ports: readonly number[], expected: number): string | null {
  const first = ports[0];
  if (first === undefined || ports.includes(expected)) return null;
  const listed = ports.length === 1 ? String(first) : `${ports.slice(0, -1).join(', ')} and ${ports[ports.length - 1]}`;
  return `app listens on ${listed}, not $PORT=${expected}; set port = ${first} or make it read $PORT`;
}
