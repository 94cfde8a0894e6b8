/*
 * The demo's OpenID Connect issuer as `npm start` runs it: its keys under DATA_DIR (so tokens printed by
 * `npm run demo:token` keep verifying across restarts), and the settings strangler and the demo legacy
 * verify callers' tokens with, as they would with AUTH_ISSUER and AUTH_AUDIENCE.
 */
import type { AuthSettings } from '../../src/config.ts';
import type { DemoIssuerSettings } from './demo-issuer-settings.ts';
import { loadIssuerKeys } from './issuer/issuer-keys.ts';
import { startOidcIssuer } from './issuer/oidc-issuer.ts';

export interface DemoIssuer {
  readonly auth: AuthSettings;
  /** Banner line. */
  readonly started: string;
  stop(): Promise<void>;
}

export async function startDemoIssuer(settings: DemoIssuerSettings): Promise<DemoIssuer> {
  const keys = await loadIssuerKeys(settings.keysFile);
  const issuer = await startOidcIssuer({ keys, port: settings.port });
  return {
    auth: {
      issuer: issuer.issuer,
      audiences: [settings.audience],
      metadataUrl: undefined,
      organisationClaim: 'org_id',
      roleClaim: 'roles',
      clockSkewSeconds: 300,
    },
    started:
      `demo OpenID Connect issuer at ${issuer.issuer} (keys in ${settings.keysFile}; ` +
      'a token: npm run demo:token -- --org "Harbour City FC")',
    stop: () => issuer.stop(),
  };
}
