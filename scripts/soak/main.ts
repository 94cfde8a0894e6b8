/**
 * `npm run soak`: strangler under a steady, mixed load for SOAK_SECONDS (default 10 minutes), with
 * slow-header and slow-body clients and a legacy restart half-way; every 30 s a progress line, at the
 * end a summary and a verdict (exit code 1 when it fails). Everything runs on 127.0.0.1, stops on
 * Ctrl-C, and is stopped by a hard deadline if the run overstays (usage: SOAK_USAGE, docs/benchmarks.md).
 */
import { logDigest } from './log-digest.ts';
import { sampleStrangler } from './strangler-probe.ts';
import { startSlowClients } from './slow-clients.ts';
import { progressLine, summary } from './soak-report.ts';
import { soakSettings, type SoakSettings } from './soak-settings.ts';
import { startSoakStack, Stops, type SoakStack } from './soak-stack.ts';
import { SoakTally } from './soak-tally.ts';
import { discoverRows, planRequest } from './soak-traffic.ts';
import { runSteadyLoad } from './steady-load.ts';

const PROGRESS_EVERY_MS = 30_000;
const SAMPLE_EVERY_MS = 10_000;
/** Startup (a cold .NET build, an initdb) and shutdown, on top of the run itself. */
const DEADLINE_SLACK_MS = 300_000;
const STOP_WITHIN_MS = 60_000;

const log = (line: string): void => console.log(line);
const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** Stops legacy at `atMs` and starts it again on its port, noting the window in the tally. */
async function restartLegacyAt(
  atMs: number,
  stack: SoakStack,
  tally: SoakTally,
  now: () => number,
): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, atMs - now())));
  tally.restart = { fromMs: now(), listeningMs: undefined };
  log(`[${(now() / 1000).toFixed(0).padStart(4)} s] restarting legacy (stop, then start on the same port)`);
  await stack.restartLegacy();
  tally.restart = { fromMs: tally.restart.fromMs, listeningMs: now() };
  log(`[${(now() / 1000).toFixed(0).padStart(4)} s] legacy listens again`);
}

/** Drives the load against a started stack; resolves with whether the verdict passed. */
async function drive(settings: SoakSettings, stack: SoakStack): Promise<boolean> {
  const { publicUrl, adminUrl, operatorToken } = stack.strangler;
  const rows = await discoverRows(publicUrl, stack.callers);
  const started = performance.now();
  const now = (): number => performance.now() - started;
  const runMs = settings.seconds * 1000;
  const tally = new SoakTally();
  const first = rows[0]!;
  const slow = startSlowClients({
    port: Number(publicUrl.port),
    count: settings.slowClients,
    token: first.token,
    bodyPath: `/api/athletes/${first.athletes[0]!.AthleteId}/wellness`,
  });
  const sample = async (): Promise<void> => {
    try {
      tally.samples.push(await sampleStrangler(adminUrl, operatorToken, now()));
    } catch (error: unknown) {
      log(`soak: no memory sample at ${(now() / 1000).toFixed(0)} s: ${message(error)}`);
    }
  };
  await sample();
  const sampler = setInterval(() => void sample(), SAMPLE_EVERY_MS);
  let lastProgress = 0;
  const progress = setInterval(() => {
    const at = now();
    log(progressLine(tally, slow.stats, at, lastProgress));
    lastProgress = at;
  }, PROGRESS_EVERY_MS);
  try {
    const load = runSteadyLoad({
      origin: publicUrl.origin,
      rate: settings.rate,
      seconds: settings.seconds,
      now,
      plan: (n) => planRequest(rows, n),
      onOutcome: (outcome) => tally.add(outcome),
    });
    await Promise.all([load, restartLegacyAt(runMs / 2, stack, tally, now)]);
    await sample();
  } finally {
    clearInterval(sampler);
    clearInterval(progress);
    slow.stop();
  }
  const result = summary(tally, slow.stats, runMs);
  for (const line of [
    ...result.lines,
    ...logDigest(stack.strangler.output(), stack.legacyFailures),
    result.verdict,
  ])
    log(line);
  return result.pass;
}

async function soak(): Promise<void> {
  let settings: SoakSettings;
  try {
    settings = soakSettings();
  } catch (error: unknown) {
    console.error(message(error));
    process.exit(2);
  }
  const stops = new Stops();
  let exiting = false;
  const exit = (code: number): void => {
    if (exiting) return;
    exiting = true;
    // Stopping is bounded too: a part that does not stop in a minute is left to the exit.
    setTimeout(() => process.exit(code), STOP_WITHIN_MS).unref();
    void stops.stopAll(log).finally(() => process.exit(code));
  };
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    process.once(signal, () => {
      log(`soak: ${signal}; stopping everything`);
      exit(code);
    });
  }
  const deadline = setTimeout(
    () => {
      log('soak: the hard deadline passed; stopping everything');
      exit(2);
    },
    settings.seconds * 1000 + DEADLINE_SLACK_MS,
  );
  log(
    `soak: ${settings.seconds} s at ${settings.rate} requests/s, ${settings.slowClients} slow-header and ` +
      `${settings.slowClients} slow-body clients; starting PostgreSQL, the issuer, legacy and strangler`,
  );
  try {
    const stack = await startSoakStack(settings, stops);
    log(`soak: strangler (pid ${stack.strangler.pid}) at ${stack.strangler.publicUrl.origin}`);
    const pass = await drive(settings, stack);
    clearTimeout(deadline);
    exit(pass ? 0 : 1);
  } catch (error: unknown) {
    console.error(`soak failed: ${message(error)}`);
    exit(2);
  }
}

await soak();
