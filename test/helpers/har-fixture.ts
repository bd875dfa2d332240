// HAR files as other tools write them, for the import tests.

/** One POST as a browser's devtools export records it: no locald fields, the port of the machine it came from. */
export function browserHarEntry(url: string, body: string, headers: { name: string; value: string }[] = []): Record<string, unknown> {
  const parsed = new URL(url);
  return {
    startedDateTime: '2026-12-01T10:00:00.000Z',
    time: 12,
    request: {
      method: 'POST',
      url,
      httpVersion: 'HTTP/1.1',
      headers: [{ name: 'Host', value: parsed.host }, { name: 'Content-Type', value: 'text/plain' }, ...headers],
      queryString: [...parsed.searchParams].map(([name, value]) => ({ name, value })),
      cookies: [],
      headersSize: -1,
      bodySize: Buffer.byteLength(body),
      postData: { mimeType: 'text/plain', text: body },
    },
    response: {
      status: 201,
      statusText: 'Created',
      httpVersion: 'HTTP/1.1',
      headers: [{ name: 'Content-Type', value: 'text/plain' }],
      cookies: [],
      content: { size: 7, mimeType: 'text/plain', text: 'created' },
      redirectURL: '',
      headersSize: -1,
      bodySize: 7,
    },
    cache: {},
    timings: { send: 1, wait: 10, receive: 1 },
  };
}

export function browserHar(entries: unknown[]): { log: Record<string, unknown> } {
  return { log: { version: '1.2', creator: { name: 'WebInspector', version: '537.36' }, entries } };
}

/** A service that answers with the method, URL and body it received. */
export const ECHO_REQUEST_SERVICE = `import http from 'node:http';
http.createServer((req, res) => {
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => res.writeHead(200, { 'content-type': 'text/plain' }).end('echo ' + req.method + ' ' + req.url + ' ' + body));
}).listen(Number(process.env.PORT), '127.0.0.1');
`;
