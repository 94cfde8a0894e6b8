import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import { ConfigError, loadConfig } from './config.ts';
import {
  createSelfSignedCertificate,
  type SelfSignedCertificate,
} from './testing/self-signed-certificate.ts';

const token = () => 'generated-token';

describe('loadConfig', () => {
  it('falls back to the documented defaults with an empty environment (the demo)', () => {
    const config = loadConfig({}, token);
    expect(config).toMatchObject({
      port: 8080,
      adminPort: 9090,
      adminHost: '127.0.0.1',
      legacyUrl: undefined,
      legacyTimeoutMs: 30000,
      hostHeader: 'rewrite',
      proxyEngine: 'undici',
      databaseUrl: undefined,
      legacyDatabaseUrl: undefined,
      unleash: undefined,
      flagsFile: 'flags/flags.json',
      flagsBackupDir: 'data/unleash-backup',
      adminQaToken: 'generated-token',
      demoTokens: true,
      logLevel: 'info',
      reusePort: false,
      migrateOnStart: true,
      syncInProcess: true,
      syncIdlePollMs: 100,
      syncOwnership: {
        organisations: 'legacy',
        squads: 'legacy',
        athletes: 'legacy',
        wellness_entries: 'legacy',
      },
      shadowThread: true,
      shadowThreadPriority: 'idle',
      embeddedPostgresPort: undefined,
      legacyStandInPort: 5080,
      legacyStandIn: undefined,
      demoPlantedDifferences: true,
      legacyMaxRequestBodyBytes: 30_000_000,
      bodies: {
        bufferBytes: 65_536,
        budgetBytes: 134_217_728,
        minBytesPerSecond: 240,
        rateGraceMs: 5000,
        idleTimeoutMs: 30_000,
        perAddress: 32,
      },
    });
  });

  it('reads the request-body limits and refuses a budget smaller than the buffer', () => {
    expect(
      loadConfig(
        {
          BODY_BUFFER_BYTES: '1024',
          BODY_BUDGET_BYTES: '4096',
          BODY_MIN_RATE_BYTES_PER_SECOND: '0',
          BODY_MIN_RATE_GRACE_MS: '500',
          BODY_IDLE_TIMEOUT_MS: '0',
          BODY_UPLOADS_PER_ADDRESS: '0',
        },
        token,
      ).bodies,
    ).toEqual({
      bufferBytes: 1024,
      budgetBytes: 4096,
      minBytesPerSecond: 0,
      rateGraceMs: 500,
      idleTimeoutMs: 0,
      perAddress: 0,
    });
    expect(() => loadConfig({ BODY_BUFFER_BYTES: '4096', BODY_BUDGET_BYTES: '1024' }, token)).toThrow(
      /BODY_BUDGET_BYTES \(1024\) must be at least BODY_BUFFER_BYTES \(4096\)/,
    );
    expect(() => loadConfig({ BODY_IDLE_TIMEOUT_MS: 'soon', BODY_BUDGET_BYTES: '0' }, token)).toThrow(
      /BODY_BUDGET_BYTES must be an integer[\s\S]*BODY_IDLE_TIMEOUT_MS must be an integer/,
    );
  });

  it('reads the readiness thresholds, with defaults, and refuses each bad one with its name', () => {
    expect(loadConfig({}, token).readiness).toEqual({
      minComparisons: 500,
      maxMismatchRate: 0,
      maxErrorRate: 0.01,
      maxP99Ratio: 1.2,
      maxOpenDefects: 0,
    });
    expect(
      loadConfig(
        {
          READINESS_MIN_COMPARISONS: '2000',
          READINESS_MAX_MISMATCH_RATE: '0.001',
          READINESS_MAX_ERROR_RATE: '0.05',
          READINESS_MAX_P99_RATIO: '1.5',
          READINESS_MAX_OPEN_DEFECTS: '2',
        },
        token,
      ).readiness,
    ).toEqual({
      minComparisons: 2000,
      maxMismatchRate: 0.001,
      maxErrorRate: 0.05,
      maxP99Ratio: 1.5,
      maxOpenDefects: 2,
    });
    expect(() =>
      loadConfig(
        {
          READINESS_MIN_COMPARISONS: 'many',
          READINESS_MAX_MISMATCH_RATE: '5%',
          READINESS_MAX_ERROR_RATE: '2',
          READINESS_MAX_P99_RATIO: '-1',
          READINESS_MAX_OPEN_DEFECTS: '0.5',
        },
        token,
      ),
    ).toThrow(
      new RegExp(
        [
          'READINESS_MIN_COMPARISONS must be an integer between 0 and \\d+ \\(got "many"\\)',
          'READINESS_MAX_MISMATCH_RATE must be a number between 0 and 1 \\(got "5%"\\)',
          'READINESS_MAX_ERROR_RATE must be a number between 0 and 1 \\(got "2"\\)',
          'READINESS_MAX_P99_RATIO must be a number between 0 and 1000 \\(got "-1"\\)',
          'READINESS_MAX_OPEN_DEFECTS must be an integer between 0 and 1000000 \\(got "0.5"\\)',
        ].join('[\\s\\S]*'),
      ),
    );
  });

  it('reads the shutdown delay and timeout (0 allowed), and refuses a bad one with its name', () => {
    expect(loadConfig({}, token).shutdown).toEqual({ delayMs: 5000, timeoutMs: 25_000 });
    expect(loadConfig({ SHUTDOWN_DELAY_MS: '0', SHUTDOWN_TIMEOUT_MS: '0' }, token).shutdown).toEqual({
      delayMs: 0,
      timeoutMs: 0,
    });
    expect(() => loadConfig({ SHUTDOWN_DELAY_MS: '-1', SHUTDOWN_TIMEOUT_MS: 'soon' }, token)).toThrow(
      /SHUTDOWN_DELAY_MS[\s\S]*SHUTDOWN_TIMEOUT_MS/,
    );
  });

  it('reads the demo legacy choice and legacy body limit, and refuses what it does not know', () => {
    expect(
      loadConfig({ LEGACY_STAND_IN: 'aspnet', LEGACY_MAX_REQUEST_BODY_BYTES: '0' }, token),
    ).toMatchObject({ legacyStandIn: 'aspnet', legacyMaxRequestBodyBytes: 0 });
    expect(loadConfig({ LEGACY_STAND_IN: 'node' }, token)).toMatchObject({ legacyStandIn: 'node' });
    expect(() => loadConfig({ LEGACY_STAND_IN: 'iis', LEGACY_MAX_REQUEST_BODY_BYTES: '-1' }, token)).toThrow(
      /LEGACY_STAND_IN must be "aspnet" or "node" \(got "iis"\)[\s\S]*LEGACY_MAX_REQUEST_BODY_BYTES must be/,
    );
  });

  it('reads the issuer whose tokens callers present, with ASP.NET-like defaults', () => {
    expect(loadConfig({}, token).auth).toBeUndefined();
    expect(
      loadConfig(
        {
          AUTH_ISSUER: 'https://login.microsoftonline.com/0c6f9f9e-3a0b-4e55-9d7e-2f1f5c1d0a01/v2.0',
          AUTH_AUDIENCE: 'api://athletes, 5e0c8a31-8a76-4d0e-a5a6-3c1d1f0e2b7a',
          AUTH_ORGANISATION_CLAIM: 'tid',
        },
        token,
      ).auth,
    ).toEqual({
      issuer: 'https://login.microsoftonline.com/0c6f9f9e-3a0b-4e55-9d7e-2f1f5c1d0a01/v2.0',
      audiences: ['api://athletes', '5e0c8a31-8a76-4d0e-a5a6-3c1d1f0e2b7a'],
      metadataUrl: undefined,
      organisationClaim: 'tid',
      roleClaim: 'roles',
      clockSkewSeconds: 300,
    });
  });

  it('refuses an issuer without an audience, and plain HTTP metadata from anywhere but this machine', () => {
    expect(() => loadConfig({ AUTH_ISSUER: 'http://idp.example.com' }, token)).toThrow(
      expect.objectContaining({
        problems: [
          'AUTH_AUDIENCE is required when AUTH_ISSUER is set',
          'AUTH_ISSUER must use https: (got "http://idp.example.com")',
        ],
      }),
    );
    expect(
      loadConfig({ AUTH_ISSUER: 'http://127.0.0.1:5081', AUTH_AUDIENCE: 'api://demo' }, token).auth?.issuer,
    ).toBe('http://127.0.0.1:5081');
    expect(() => loadConfig({ AUTH_AUDIENCE: 'api://demo' }, token)).toThrow(ConfigError);
  });

  it('reads the sync and migration switches', () => {
    expect(
      loadConfig(
        { MIGRATE_ON_START: 'false', SYNC_IN_PROCESS: 'false', SYNC_OWNERSHIP: 'athletes=new' },
        token,
      ),
    ).toMatchObject({
      migrateOnStart: false,
      syncInProcess: false,
      syncOwnership: { squads: 'legacy', athletes: 'new', wellness_entries: 'legacy' },
    });
  });

  it('reads where the shadow side runs and at what priority', () => {
    expect(loadConfig({ SHADOW_THREAD: 'false', SHADOW_THREAD_PRIORITY: '5' }, token)).toMatchObject({
      shadowThread: false,
      shadowThreadPriority: 5,
    });
    expect(loadConfig({ SHADOW_THREAD_PRIORITY: 'idle' }, token).shadowThreadPriority).toBe('idle');
    expect(() => loadConfig({ SHADOW_THREAD_PRIORITY: 'low' }, token)).toThrow(
      'SHADOW_THREAD_PRIORITY must be "idle" or a nice value 0–19 (got "low")',
    );
  });

  it('refuses an OpenTelemetry endpoint that is not an http(s) URL, naming the variable', () => {
    expect(() => loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' }, token)).toThrow(
      'OTEL_EXPORTER_OTLP_ENDPOINT must use http: or https: (got "collector:")',
    );
    expect(() => loadConfig({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://' }, token)).toThrow(
      'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is not a valid URL',
    );
    expect(() =>
      loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector:4318' }, token),
    ).not.toThrow();
  });

  it('shares the public port between replicas only when asked', () => {
    expect(loadConfig({ REUSE_PORT: 'true' }, token).reusePort).toBe(true);
    expect(() => loadConfig({ REUSE_PORT: 'yes' }, token)).toThrow('REUSE_PORT must be "true" or "false"');
  });

  it('reads a production environment', () => {
    const config = loadConfig({
      PORT: '80',
      ADMIN_PORT: '9000',
      LEGACY_URL: 'https://legacy.azurewebsites.net',
      LEGACY_TIMEOUT_MS: '15000',
      HOST_HEADER: 'preserve',
      PROXY_ENGINE: 'http-proxy-middleware',
      DATABASE_URL: 'postgres://app@db:5432/strangler',
      LEGACY_DATABASE_URL: 'mssql://app:secret@legacy.database.windows.net:1433/Legacy',
      UNLEASH_URL: 'https://unleash.example.com/api',
      UNLEASH_API_TOKEN: 'default:production.abc',
      ADMIN_QA_TOKEN: 'qa-token-0123456789abcdef',
      ADMIN_OPERATOR_TOKEN: 'op-token-0123456789abcdef',
      LOG_LEVEL: 'warn',
    });
    expect(config).toMatchObject({
      port: 80,
      adminHost: '0.0.0.0',
      hostHeader: 'preserve',
      proxyEngine: 'http-proxy-middleware',
      unleash: {
        url: 'https://unleash.example.com/api',
        apiToken: 'default:production.abc',
        appName: 'strangler',
      },
      demoTokens: false,
      logLevel: 'warn',
    });
    expect(config.legacyUrl?.host).toBe('legacy.azurewebsites.net');
  });

  it('takes the ADO.NET connection string Azure gives as the legacy database', () => {
    const connection =
      'Server=tcp:legacy.database.windows.net,1433;Initial Catalog=Legacy;User ID=app;Password=secret;Encrypt=True;';
    expect(loadConfig({ LEGACY_DATABASE_URL: connection }).legacyDatabaseUrl).toBe(connection);
  });

  it('reports every problem at once, naming each variable', () => {
    let caught: unknown;
    try {
      loadConfig({
        PORT: '70000',
        ADMIN_PORT: 'x',
        LEGACY_URL: 'ftp://legacy',
        HOST_HEADER: 'keep',
        PROXY_ENGINE: 'curl',
        DATABASE_URL: 'mysql://db',
        UNLEASH_URL: 'https://unleash',
        LOG_LEVEL: 'loud',
        ADMIN_QA_TOKEN: 'short',
        MIGRATE_ON_START: 'no',
        SYNC_OWNERSHIP: 'coaches=new',
      });
    } catch (error: unknown) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const problems = (caught as ConfigError).problems.join('\n');
    for (const name of [
      'PORT',
      'ADMIN_PORT',
      'LEGACY_URL',
      'HOST_HEADER',
      'PROXY_ENGINE',
      'DATABASE_URL',
      'UNLEASH_API_TOKEN is required',
      'LOG_LEVEL',
      'ADMIN_QA_TOKEN and ADMIN_OPERATOR_TOKEN must be set together',
      'ADMIN_QA_TOKEN must be at least 16 characters',
      'MIGRATE_ON_START',
      'SYNC_OWNERSHIP: unknown entity "coaches"',
    ]) {
      expect(problems).toContain(name);
    }
    expect((caught as ConfigError).problems.length).toBeGreaterThanOrEqual(12);
  });

  it('refuses one token for both admin roles and the same port twice', () => {
    expect(() =>
      loadConfig({
        PORT: '8080',
        ADMIN_PORT: '8080',
        ADMIN_QA_TOKEN: 'same-token-0123456789',
        ADMIN_OPERATOR_TOKEN: 'same-token-0123456789',
      }),
    ).toThrow(/PORT and ADMIN_PORT must differ[\s\S]*must differ/);
  });

  describe('HTTPS on the admin port', () => {
    let pair: SelfSignedCertificate;
    let other: SelfSignedCertificate;
    beforeAll(() => {
      pair = createSelfSignedCertificate(['admin.strangler.test']);
      other = createSelfSignedCertificate(['other.strangler.test']);
    });
    afterAll(() => {
      pair?.remove();
      other?.remove();
    });

    it('reads the certificate and its key from PEM files', () => {
      expect(loadConfig({}, token).adminTls).toBeUndefined();
      const tls = loadConfig({ ADMIN_TLS_CERT: pair.certFile, ADMIN_TLS_KEY: pair.keyFile }, token).adminTls;
      expect(tls).toMatchObject({
        certFile: pair.certFile,
        keyFile: pair.keyFile,
        cert: pair.cert,
        key: pair.key,
      });
      expect(tls?.validTo.getTime()).toBeGreaterThan(Date.now());
    });

    it('refuses one without the other, unreadable files, what is not PEM and a key of another certificate', () => {
      const problems = (env: Record<string, string>): readonly string[] => {
        try {
          loadConfig(env, token);
        } catch (error: unknown) {
          if (error instanceof ConfigError) return error.problems;
          throw error;
        }
        return [];
      };
      expect(problems({ ADMIN_TLS_CERT: pair.certFile })).toEqual([
        'ADMIN_TLS_CERT and ADMIN_TLS_KEY must be set together',
      ]);
      expect(problems({ ADMIN_TLS_KEY: pair.keyFile })).toEqual([
        'ADMIN_TLS_CERT and ADMIN_TLS_KEY must be set together',
      ]);
      const missing = path.join(path.dirname(pair.certFile), 'missing.pem');
      expect(problems({ ADMIN_TLS_CERT: missing, ADMIN_TLS_KEY: missing })).toEqual([
        `ADMIN_TLS_CERT: cannot read "${missing}" (ENOENT)`,
        `ADMIN_TLS_KEY: cannot read "${missing}" (ENOENT)`,
      ]);
      const garbage = path.join(path.dirname(pair.certFile), 'garbage.pem');
      writeFileSync(garbage, 'not a certificate\n');
      expect(problems({ ADMIN_TLS_CERT: garbage, ADMIN_TLS_KEY: pair.keyFile })).toEqual([
        'ADMIN_TLS_CERT is not a PEM certificate',
      ]);
      expect(problems({ ADMIN_TLS_CERT: pair.certFile, ADMIN_TLS_KEY: garbage })).toEqual([
        'ADMIN_TLS_KEY is not an unencrypted PEM private key',
      ]);
      expect(problems({ ADMIN_TLS_CERT: pair.certFile, ADMIN_TLS_KEY: other.keyFile })).toEqual([
        'ADMIN_TLS_KEY is not the private key of the certificate in ADMIN_TLS_CERT',
      ]);
    });
  });
});
