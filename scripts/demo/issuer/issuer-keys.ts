/*
 * The demo issuer's signing keys: RS256 key pairs kept in one JSON file (private JWKs), so tokens printed
 * by `npm run demo:token` verify against the issuer that `npm start` runs, across restarts. The newest key
 * signs; every key in the file is published, so tokens signed before a rotation stay valid.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { exportJWK, generateKeyPair, importJWK } from 'jose';
import type { CryptoKey, JWK } from 'jose';

export const SIGNING_ALGORITHM = 'RS256';

export interface SigningKey {
  readonly kid: string;
  readonly privateKey: CryptoKey;
  /** The public half as published in the JWKS. */
  readonly publicJwk: JWK;
}

export interface IssuerKeys {
  /** The key new tokens are signed with. */
  current(): SigningKey;
  /** Every key a token may still be signed with, newest first. */
  all(): readonly SigningKey[];
  /** Makes a new key current (the old ones stay published) and saves the file. */
  rotate(): Promise<SigningKey>;
}

export const issuerKeysFile = (dataDir: string): string => path.join(dataDir, 'issuer', 'signing-keys.json');

async function newPrivateJwk(): Promise<JWK> {
  const { privateKey } = await generateKeyPair(SIGNING_ALGORITHM, { extractable: true });
  return { ...(await exportJWK(privateKey)), kid: randomUUID(), alg: SIGNING_ALGORITHM, use: 'sig' };
}

async function toSigningKey(jwk: JWK): Promise<SigningKey> {
  const { d, p, q, dp, dq, qi, ...publicJwk } = jwk;
  void [d, p, q, dp, dq, qi];
  const privateKey = (await importJWK(jwk, SIGNING_ALGORITHM)) as CryptoKey;
  return { kid: String(jwk.kid), privateKey, publicJwk };
}

async function readJwks(file: string): Promise<JWK[] | undefined> {
  try {
    return (JSON.parse(await readFile(file, 'utf8')) as { keys: JWK[] }).keys;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`the demo issuer's key file ${file} cannot be read: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

async function writeJwks(file: string, jwks: readonly JWK[]): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, JSON.stringify({ keys: jwks }, null, 2), { mode: 0o600 });
  await rename(temporary, file);
}

/** The keys in `file`, created with one key when the file does not exist yet. */
export async function loadIssuerKeys(file: string): Promise<IssuerKeys> {
  let jwks = await readJwks(file);
  if (!jwks) {
    jwks = [await newPrivateJwk()];
    await writeJwks(file, jwks);
  }
  let keys = await Promise.all(jwks.map(toSigningKey));
  return {
    current: () => keys[0]!,
    all: () => keys,
    async rotate() {
      const jwk = await newPrivateJwk();
      jwks = [jwk, ...jwks!];
      await writeJwks(file, jwks);
      keys = [await toSigningKey(jwk), ...keys];
      return keys[0]!;
    },
  };
}
