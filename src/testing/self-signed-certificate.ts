import { execFileSync } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface SelfSignedCertificate {
  readonly certFile: string;
  readonly keyFile: string;
  readonly cert: Buffer;
  readonly key: Buffer;
  /** base64 SHA-256 of the public key, as Chromium's --ignore-certificate-errors-spki-list takes it. */
  readonly spkiSha256: string;
  remove(): void;
}

/**
 * A real self-signed certificate (P-256, one day) for `dnsNames` and 127.0.0.1, made by the system's
 * openssl in a temporary directory, so TLS tests run a real handshake and browsers a real https origin.
 */
export function createSelfSignedCertificate(dnsNames: readonly string[]): SelfSignedCertificate {
  const dir = mkdtempSync(path.join(tmpdir(), 'strangler-tls-'));
  const certFile = path.join(dir, 'cert.pem');
  const keyFile = path.join(dir, 'key.pem');
  const altNames = [...dnsNames.map((n) => `DNS:${n}`), 'IP:127.0.0.1'].join(',');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-days',
      '1',
      '-subj',
      `/CN=${dnsNames[0] ?? 'localhost'}`,
      '-addext',
      `subjectAltName=${altNames}`,
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ],
    { stdio: 'pipe' },
  );
  const cert = readFileSync(certFile);
  const spki = new X509Certificate(cert).publicKey.export({ type: 'spki', format: 'der' });
  return {
    certFile,
    keyFile,
    cert,
    key: readFileSync(keyFile),
    spkiSha256: createHash('sha256').update(spki).digest('base64'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
