// Generated configurations for the peers. Pure: text in, text out.

/** The project locald serves in the bench: one service that is the bench upstream itself. */
export function localdToml(opts: { nodePath: string; upstreamScript: string; port: number }): string {
  return [
    'name = "bench"',
    '',
    '[services.up]',
    // A JSON string is a valid TOML basic string (same escapes).
    `command = ${JSON.stringify(`"${opts.nodePath}" "${opts.upstreamScript}"`)}`,
    `port = ${opts.port}`,
    'ready = { log = "upstream ready" }',
    '',
  ].join('\n');
}

export interface ProxyPorts {
  httpPort: number;
  tlsPort: number;
  upstreamPort: number;
  certFile: string;
  keyFile: string;
}

/**
 * Every bench Caddyfile: no admin endpoint, no automatic HTTPS, no access log, and two sites,
 * plain HTTP on one port and TLS with our certificate on the other, both proxying with `proxy`.
 */
function caddyConfig(p: ProxyPorts, extraGlobals: readonly string[], proxy: readonly string[]): string {
  return [
    '{',
    '\tadmin off',
    '\tauto_https off',
    '\tdefault_sni bench.localhost',
    ...extraGlobals,
    '\tlog {',
    '\t\toutput discard',
    '\t}',
    '}',
    '',
    `http://:${p.httpPort} {`,
    '\tbind 127.0.0.1',
    ...proxy,
    '}',
    '',
    `https://:${p.tlsPort} {`,
    '\tbind 127.0.0.1',
    `\ttls ${p.certFile} ${p.keyFile}`,
    ...proxy,
    '}',
    '',
  ].join('\n');
}

/**
 * Caddy: no admin endpoint, no automatic HTTPS, no access log, TLS with our self-signed cert.
 * The idle pool matches nginx's `keepalive 64`.
 */
export function caddyfile(p: ProxyPorts): string {
  const proxy = [
    `\treverse_proxy 127.0.0.1:${p.upstreamPort} {`,
    '\t\ttransport http {',
    '\t\t\tkeepalive_idle_conns_per_host 64',
    '\t\t}',
    '\t}',
  ];
  return caddyConfig(p, [], proxy);
}

/**
 * nginx: one process (like Node's single event loop), no access log, request bodies and
 * responses streamed (no temp files), WebSocket upgrade passed through, idle pool of 64.
 */
export function nginxConf(p: ProxyPorts & { prefix: string }): string {
  return `daemon off;
master_process off;
worker_processes 1;
worker_rlimit_nofile 65536;
pid ${p.prefix}/nginx.pid;
error_log ${p.prefix}/error.log warn;
events {
    worker_connections 32768;
}
http {
    access_log off;
    # The default (1000) closes client connections, HTTP/2 ones included, every 1,000 requests.
    keepalive_requests 1000000;
    client_body_temp_path ${p.prefix}/client_body;
    proxy_temp_path ${p.prefix}/proxy;
    fastcgi_temp_path ${p.prefix}/fastcgi;
    uwsgi_temp_path ${p.prefix}/uwsgi;
    scgi_temp_path ${p.prefix}/scgi;
    client_max_body_size 0;
    proxy_request_buffering off;
    proxy_max_temp_file_size 0;
    proxy_read_timeout 600s;
    proxy_send_timeout 600s;
    map $http_upgrade $connection_upgrade {
        default upgrade;
        '' '';
    }
    upstream bench {
        server 127.0.0.1:${p.upstreamPort};
        keepalive 64;
        keepalive_requests 1000000;
    }
    server {
        listen 127.0.0.1:${p.httpPort};
        listen 127.0.0.1:${p.tlsPort} ssl http2;
        ssl_certificate ${p.certFile};
        ssl_certificate_key ${p.keyFile};
        location / {
            proxy_pass http://bench;
            proxy_http_version 1.1;
            proxy_set_header Host $host;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
        }
    }
}
`;
}

/**
 * The page-load project: one service, Vite's dev server from this repo's node_modules, on a
 * fixed loopback port, serving the generated app in its own folder.
 */
export function viteLocaldToml(opts: { nodePath: string; viteScript: string; port: number }): string {
  return [
    'name = "bench"',
    '',
    '[services.web]',
    `command = ${JSON.stringify(`"${opts.nodePath}" "${opts.viteScript}" --host 127.0.0.1 --port ${opts.port} --strictPort`)}`,
    'cwd = "app"',
    `port = ${opts.port}`,
    'ready = { log = "ready in" }',
    '',
  ].join('\n');
}

/**
 * Caddy in front of the page-load Vite server: plain HTTP/1.1 on one port, HTTP/2 over TLS on the
 * other. HTTP/3 is off so Chromium cannot switch to QUIC through Alt-Svc mid-run.
 */
export function pageloadCaddyfile(p: ProxyPorts): string {
  const proxy = [`\treverse_proxy 127.0.0.1:${p.upstreamPort}`];
  return caddyConfig(p, ['\tservers {', '\t\tprotocols h1 h2', '\t}'], proxy);
}
