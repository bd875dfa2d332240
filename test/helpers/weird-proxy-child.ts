// A proxy in its own process, so a test can read its memory (/proc/<pid>/status) without
// counting the test's own clients and services. argv[2]: the service port. Prints
// `{"port":N}` once listening; exits when stdin closes.
import { proxyOver } from './weird-kit.js';

const servicePort = Number(process.argv[2]);
const { proxy, port } = await proxyOver(servicePort);
process.stdout.write(`${JSON.stringify({ port })}\n`);
process.stdin.resume();
process.stdin.on('end', () => {
  void proxy.close().then(() => process.exit(0));
});
