/** HTTPS on the admin port: a certificate and its key, read and checked once at startup. */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { EnvReader } from './env-reader.ts';

export interface AdminTlsSettings {
  /** ADMIN_TLS_CERT: the PEM certificate, followed by any intermediates the browser needs. */
  readonly certFile: string;
  /** ADMIN_TLS_KEY: its unencrypted PEM private key. */
  readonly keyFile: string;
  readonly cert: Buffer;
  readonly key: Buffer;
  /** The certificate's expiry, for the startup log. */
  readonly validTo: Date;
}

export function readAdminTls(r: EnvReader): AdminTlsSettings | undefined {
  const certFile = r.str('ADMIN_TLS_CERT');
  const keyFile = r.str('ADMIN_TLS_KEY');
  if (certFile === undefined && keyFile === undefined) return undefined;
  if (certFile === undefined || keyFile === undefined) {
    r.problems.push('ADMIN_TLS_CERT and ADMIN_TLS_KEY must be set together');
    return undefined;
  }
  const cert = readPem(r, 'ADMIN_TLS_CERT', certFile);
  const key = readPem(r, 'ADMIN_TLS_KEY', keyFile);
  if (cert === undefined || key === undefined) return undefined;
  const checked = checkPair(r, cert, key);
  return checked === undefined ? undefined : { certFile, keyFile, cert, key, validTo: checked.validTo };
}

function readPem(r: EnvReader, name: string, file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch (error: unknown) {
    const code = (error as { code?: unknown }).code;
    r.problems.push(`${name}: cannot read "${file}" (${typeof code === 'string' ? code : String(error)})`);
    return undefined;
  }
}

/** Both parse, and the key is the certificate's: a mismatch would otherwise surface as a failed handshake. */
function checkPair(r: EnvReader, certPem: Buffer, keyPem: Buffer): { validTo: Date } | undefined {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
  } catch {
    r.problems.push('ADMIN_TLS_CERT is not a PEM certificate');
    return undefined;
  }
  try {
    const key = createPrivateKey(keyPem);
    if (!cert.checkPrivateKey(key)) {
      r.problems.push('ADMIN_TLS_KEY is not the private key of the certificate in ADMIN_TLS_CERT');
      return undefined;
    }
  } catch {
    r.problems.push('ADMIN_TLS_KEY is not an unencrypted PEM private key');
    return undefined;
  }
  return { validTo: cert.validToDate };
}
