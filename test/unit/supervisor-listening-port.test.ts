import assert from 'node:assert/strict';
import { test } from 'node:test';
import { detectListeningPorts, portMismatchDiagnostic } from '../../engine/supervisor/listening-port.js';

test('finds the port in common dev-server announcements', () => {
  const cases: [string, number[]][] = [
    ['  \u001b[32m➜\u001b[39m  \u001b[1mLocal\u001b[22m:   \u001b[36mhttp://localhost:\u001b[1m5173\u001b[22m/\u001b[39m', [5173]],
    ['Server listening on port 3000', [3000]],
    ['listening on :8080', [8080]],
    ['ready - started server on 0.0.0.0:3000, url: http://localhost:3000', [3000]],
    ['** Angular Live Development Server is listening on localhost:4200, open your browser on http://localhost:4200/ **', [4200]],
    ['  ┃ Local    http://localhost:4321/', [4321]],
    ['* Listening on http://[::1]:3000', [3000]],
    ['Starting development server at http://127.0.0.1:8000/', [8000]],
    ['Local: http://localhost:5174/  Network: http://192.168.1.3:5174/', [5174]],
  ];
  for (const [line, ports] of cases) assert.deepEqual(detectListeningPorts(line), ports, line);
});

test('ignores lines that are not listening announcements', () => {
  for (const line of [
    'started at 12:34:56',
    'connecting to postgres at localhost:5432',
    'Debugger listening on ws://127.0.0.1:9229/4b1c',
    'Port 5173 is in use, trying another one...',
    'GET /api 200 12ms',
    'Error: listen EADDRINUSE: address already in use :::3000',
    'compiled in 1234 ms',
  ]) {
    assert.deepEqual(detectListeningPorts(line), [], line);
  }
});

test('the mismatch diagnostic names both ports, and is silent when $PORT is among them', () => {
  assert.equal(portMismatchDiagnostic([5173], 4123), 'app listens on 5173, not $PORT=4123; set port = 5173 or make it read $PORT');
  assert.equal(portMismatchDiagnostic([5173, 24678, 9229], 4123), 'app listens on 5173, 24678 and 9229, not $PORT=4123; set port = 5173 or make it read $PORT');
  assert.equal(portMismatchDiagnostic([4123], 4123), null);
  assert.equal(portMismatchDiagnostic([], 4123), null);
});
