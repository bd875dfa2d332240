// Renders a ProxyProblem as a self-contained HTML page (browsers) or as RFC 9457
// problem+json (everything else). Rendering is pure; sendProblem / writeProblemToSocket
// are the only I/O here.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { problemTypeUri, type ProxyProblem } from './problems.js';

export interface RenderedProblem {
  status: number;
  /** Header name → value; names as sent. */
  headers: Record<string, string>;
  body: Buffer;
}

/** What the client got when locald answered itself: kept by capture as the exchange's response. */
export interface SentAnswer {
  status: number;
  /** Flat `[name, value, …]` as sent. */
  headers: string[];
  /** Empty for HEAD and for answers without a body. */
  body: Buffer;
}

/** A rendered problem as it went out; `lowerCase` names for HTTP/2. */
export function sentAnswer(rendered: RenderedProblem, withBody: boolean, lowerCase = false): SentAnswer {
  const headers: string[] = [];
  for (const [name, value] of Object.entries(rendered.headers)) headers.push(lowerCase ? name.toLowerCase() : name, value);
  return { status: rendered.status, headers, body: withBody ? rendered.body : Buffer.alloc(0) };
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

/** Browsers say `text/html` in Accept; API clients, curl and fetch() defaults do not. */
export function prefersHtml(accept: string | undefined): boolean {
  if (accept === undefined) return false;
  return accept
    .split(',')
    .map((part) => part.split(';')[0]?.trim().toLowerCase())
    .some((type) => type === 'text/html' || type === 'application/xhtml+xml');
}

export function problemJson(problem: ProxyProblem): Record<string, unknown> {
  const body: Record<string, unknown> = {
    type: problemTypeUri(problem.code),
    title: problem.title,
    status: problem.status,
    detail: problem.detail,
  };
  if (problem.hint !== undefined) body.hint = problem.hint;
  if (problem.retryAfterSeconds !== undefined) body.retryAfter = problem.retryAfterSeconds;
  for (const [k, v] of Object.entries(problem.extensions ?? {})) {
    if (!(k in body) && v !== undefined) body[k] = v;
  }
  return body;
}

const STYLE = `
:root{color-scheme:light dark;font-family:system-ui,-apple-system,"Segoe UI",sans-serif}
body{max-width:52rem;margin:3rem auto;padding:0 1.25rem;line-height:1.5}
h1{font-size:1.5rem;margin:0 0 .25rem}
.status{opacity:.6;font-size:.9rem;margin:0 0 1.25rem}
.detail{font-size:1.1rem}
.hint{border-left:3px solid #888;padding-left:.75rem}
ul{padding-left:1.25rem}
.note{opacity:.7}
pre{background:rgba(128,128,128,.12);padding:.75rem;overflow:auto;font-size:.85rem;border-radius:4px}
footer{margin-top:2rem;opacity:.5;font-size:.8rem}
`;

export function renderProblemHtml(problem: ProxyProblem): string {
  const e = escapeHtml;
  const reason = STATUS_CODES[problem.status] ?? '';
  const parts: string[] = [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${e(`${problem.status} ${problem.title}`)} · locald</title>`,
    `<style>${STYLE}</style></head><body>`,
    `<h1>${e(problem.title)}</h1>`,
    `<p class="status">${problem.status} ${e(reason)}</p>`,
    `<p class="detail">${e(problem.detail)}</p>`,
  ];
  if (problem.hint !== undefined) parts.push(`<p class="hint">${e(problem.hint)}</p>`);
  if (problem.links !== undefined && problem.links.length > 0) {
    parts.push('<ul>');
    for (const link of problem.links) {
      const label = link.href !== undefined ? `<a href="${e(link.href)}">${e(link.label)}</a>` : e(link.label);
      const note = link.note !== undefined ? ` <span class="note">${e(link.note)}</span>` : '';
      parts.push(`<li>${label}${note}</li>`);
    }
    parts.push('</ul>');
  }
  if (problem.logs !== undefined && problem.logs.length > 0) {
    parts.push(`<h2>Last ${problem.logs.length} log lines</h2>`);
    parts.push(`<pre>${e(problem.logs.join('\n'))}</pre>`);
  }
  if (problem.refreshSeconds !== undefined) parts.push('<p class="note">This page reloads itself.</p>');
  parts.push(`<footer>locald proxy · ${e(problemTypeUri(problem.code))}</footer>`, '</body></html>', '');
  return parts.join('\n');
}

export function renderProblem(problem: ProxyProblem, accept: string | undefined): RenderedProblem {
  const html = prefersHtml(accept);
  const body = Buffer.from(html ? renderProblemHtml(problem) : `${JSON.stringify(problemJson(problem), null, 2)}\n`, 'utf8');
  const headers: Record<string, string> = {
    'Content-Type': html ? 'text/html; charset=utf-8' : 'application/problem+json',
    'Content-Length': String(body.length),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  };
  // The page is inert: no scripts, no external loads, whatever a log line contains.
  if (html) headers['Content-Security-Policy'] = "default-src 'none'; style-src 'unsafe-inline'";
  if (problem.retryAfterSeconds !== undefined) headers['Retry-After'] = String(problem.retryAfterSeconds);
  if (problem.refreshSeconds !== undefined && html) headers.Refresh = String(problem.refreshSeconds);
  return { status: problem.status, headers, body };
}

/**
 * Answers a request with the problem; aborts the response when headers already went out.
 * Returns what was sent (null when nothing was).
 */
export function sendProblem(req: IncomingMessage, res: ServerResponse, problem: ProxyProblem): SentAnswer | null {
  if (res.headersSent) {
    res.destroy();
    return null;
  }
  const rendered = renderProblem(problem, req.headers.accept);
  const head = req.method === 'HEAD';
  res.writeHead(rendered.status, rendered.headers);
  res.end(head ? undefined : rendered.body);
  return sentAnswer(rendered, !head);
}

/** Serialises a response for a raw socket (upgrade requests have no ServerResponse). */
export function rawProblemResponse(problem: ProxyProblem, accept: string | undefined): Buffer {
  return serializeProblem(renderProblem(problem, accept));
}

function serializeProblem(rendered: RenderedProblem): Buffer {
  const lines = [`HTTP/1.1 ${rendered.status} ${STATUS_CODES[rendered.status] ?? 'Error'}`];
  for (const [k, v] of Object.entries(rendered.headers)) lines.push(`${k}: ${v}`);
  lines.push('Connection: close', '', '');
  return Buffer.concat([Buffer.from(lines.join('\r\n'), 'latin1'), rendered.body]);
}

/** Writes the problem as a whole HTTP/1.1 response and closes; returns what was sent (null when nothing was). */
export function writeProblemToSocket(socket: Duplex, problem: ProxyProblem, accept: string | undefined): SentAnswer | null {
  if (!socket.writable) {
    socket.destroy();
    return null;
  }
  const rendered = renderProblem(problem, accept);
  socket.end(serializeProblem(rendered));
  const sent = sentAnswer(rendered, true);
  sent.headers.push('Connection', 'close'); // as serializeProblem wrote it
  return sent;
}
