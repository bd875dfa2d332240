// Certificate generation. Node can parse X.509 but not create it, so this is the one
// module that talks to @peculiar/x509 (WebCrypto based, pure JS: no openssl binary,
// which Windows does not have). Everything here is pure apart from randomness and the clock
// values passed in.
import * as x509 from './x509-lib.js';
import { randomBytes, webcrypto, createPrivateKey, createPublicKey } from 'node:crypto';

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

// Node 20 has globalThis.crypto too, but naming the provider keeps this independent of globals.
const crypto = webcrypto;
x509.cryptoProvider.set(crypto);

const EC_KEY = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGNING = { name: 'ECDSA', hash: 'SHA-256' } as const;
const DAY_MS = 24 * 60 * 60 * 1000;

/** CA lifetime. Long, because re-trusting a CA is a manual step for the user. */
export const CA_VALIDITY_DAYS = 3650;
/**
 * Leaf lifetime. Apple rejects TLS server certificates valid for more than 825 days even
 * under user-added roots; its 398-day rule (and the CA/Browser Forum's shrinking limits)
 * target public CAs only, but staying at 397 days costs nothing since leaves are reissued
 * automatically, and it keeps us valid if any client applies the public rules to local roots.
 */
export const LEAF_VALIDITY_DAYS = 397;
/** Certificates are backdated a little so a client whose clock runs behind still accepts them. */
export const BACKDATE_MS = 60 * 60 * 1000;

export interface KeyAndCert {
  certPem: string;
  /** PKCS#8 PEM ("BEGIN PRIVATE KEY"). */
  keyPem: string;
}

/** A positive, non-zero 128-bit serial in hex (RFC 5280 wants at most 20 octets, positive). */
export function randomSerialHex(): string {
  const bytes = randomBytes(16);
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x01; // clear the sign bit; never a leading zero octet
  return bytes.toString('hex');
}

async function newKeyPair(): Promise<CryptoKeyPair> {
  return (await crypto.subtle.generateKey(EC_KEY, true, ['sign', 'verify'])) as CryptoKeyPair;
}

async function privateKeyToPem(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await crypto.subtle.exportKey('pkcs8', key));
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

async function importSigningKey(keyPem: string): Promise<CryptoKey> {
  // Accept any PEM private key encoding Node understands (SEC1 "EC PRIVATE KEY" too).
  const der = createPrivateKey(keyPem).export({ type: 'pkcs8', format: 'der' });
  return crypto.subtle.importKey('pkcs8', der, EC_KEY, false, ['sign']);
}

async function importPublicKey(keyPem: string): Promise<CryptoKey> {
  const der = createPublicKey(keyPem).export({ type: 'spki', format: 'der' });
  return crypto.subtle.importKey('spki', der, EC_KEY, true, ['verify']);
}

/** DER of a GeneralSubtree SEQUENCE around one already-encoded GeneralName. */
function subtree(generalName: Buffer): Buffer {
  return Buffer.concat([Buffer.from([0x30, generalName.length]), generalName]);
}

/**
 * nameConstraints (RFC 5280 4.2.1.10): the CA may only vouch for `localhost` and names under
 * it, and for no IP address. If the CA key ever leaks from the user's home directory, it
 * cannot be used to impersonate any other site to clients that enforce constraints
 * (OpenSSL, NSS, Chrome, macOS, Windows). Hand-encoded because the value is a constant and
 * the library has no builder for it.
 */
export function localhostNameConstraintsDer(): Buffer {
  const dnsLocalhost = Buffer.concat([Buffer.from([0x82, 9]), Buffer.from('localhost', 'ascii')]); // [2] dNSName
  const anyIPv4 = Buffer.concat([Buffer.from([0x87, 8]), Buffer.alloc(8)]); // [7] iPAddress 0.0.0.0/0
  const anyIPv6 = Buffer.concat([Buffer.from([0x87, 32]), Buffer.alloc(32)]); // [7] iPAddress ::/0
  const permitted = subtree(dnsLocalhost);
  const excluded = Buffer.concat([subtree(anyIPv4), subtree(anyIPv6)]);
  const body = Buffer.concat([
    Buffer.from([0xa0, permitted.length]), permitted, // [0] permittedSubtrees
    Buffer.from([0xa1, excluded.length]), excluded, // [1] excludedSubtrees
  ]);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
}

const NAME_CONSTRAINTS_OID = '2.5.29.30';

export interface CaSpec {
  /** Common name, e.g. "locald local CA (ada@laptop)". */
  commonName: string;
  now: Date;
  validityDays?: number;
}

export async function createCaCertificate(spec: CaSpec): Promise<KeyAndCert> {
  const keys = await newKeyPair();
  const notBefore = new Date(spec.now.getTime() - BACKDATE_MS);
  const notAfter = new Date(notBefore.getTime() + (spec.validityDays ?? CA_VALIDITY_DAYS) * DAY_MS);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerialHex(),
    name: [{ CN: [spec.commonName] }, { O: ['locald'] }],
    notBefore,
    notAfter,
    keys,
    signingAlgorithm: SIGNING,
    extensions: [
      // pathLen 0: this CA signs leaves only, never another CA.
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      new x509.Extension(NAME_CONSTRAINTS_OID, true, localhostNameConstraintsDer()),
    ],
  });
  return { certPem: cert.toString('pem'), keyPem: await privateKeyToPem(keys.privateKey) };
}

export interface LeafSpec {
  /** DNS names for the subjectAltName extension, in order. The first is also the CN. */
  dnsNames: readonly string[];
  now: Date;
  validityDays?: number;
}

export async function issueLeafCertificate(ca: KeyAndCert, spec: LeafSpec): Promise<KeyAndCert> {
  const first = spec.dnsNames[0];
  if (first === undefined) throw new Error('a leaf certificate needs at least one DNS name');
  const caCert = new x509.X509Certificate(ca.certPem);
  const [caPublicKey, caSigningKey, keys] = await Promise.all([
    importPublicKey(ca.certPem),
    importSigningKey(ca.keyPem),
    newKeyPair(),
  ]);
  const notBefore = new Date(spec.now.getTime() - BACKDATE_MS);
  const notAfter = new Date(notBefore.getTime() + (spec.validityDays ?? LEAF_VALIDITY_DAYS) * DAY_MS);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerialHex(),
    subject: [{ CN: [first] }, { O: ['locald development certificate'] }],
    issuer: caCert.subjectName, // the exact encoding, so name chaining never depends on a string round trip
    notBefore,
    notAfter,
    publicKey: keys.publicKey,
    signingKey: caSigningKey,
    signingAlgorithm: SIGNING,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(spec.dnsNames.map((value) => ({ type: 'dns' as const, value }))),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(caPublicKey),
    ],
  });
  return { certPem: cert.toString('pem'), keyPem: await privateKeyToPem(keys.privateKey) };
}
