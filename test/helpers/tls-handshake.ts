// One real TLS handshake against 127.0.0.1, to see which certificate a server name gets.
import { connect, type PeerCertificate } from 'node:tls';

export interface InspectedHandshake {
  /** Whether the certificate verifies against `caPem` for `servername` (reported, not enforced). */
  authorized: boolean;
  cert: PeerCertificate;
}

export function inspectHandshake(port: number, servername: string, caPem: string): Promise<InspectedHandshake> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, servername, ca: [caPem], rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] }, () => {
      const result = { authorized: socket.authorized, cert: socket.getPeerCertificate() };
      socket.end();
      resolve(result);
    });
    socket.setTimeout(15_000, () => socket.destroy(new Error(`handshake with ${servername} timed out`)));
    socket.once('error', reject);
  });
}
