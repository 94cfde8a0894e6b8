import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Upstream } from './proxy-test-harness.ts';
import { startUpstream } from './proxy-test-harness.ts';
import { LEGACY_ENGINES } from './legacy-forwarder.ts';

const TOTAL = 100 * 1024 * 1024;
const CHUNK = Buffer.alloc(64 * 1024, 0x61);

/** 100 MB made of one reused 64 KiB chunk: the test itself holds no more than that. */
function hundredMegabytes(): Readable {
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= TOTAL) {
        this.push(null);
        return;
      }
      sent += CHUNK.length;
      this.push(CHUNK);
    },
  });
}

/*
 * Streaming still leaves garbage: every socket read is a fresh 64 KiB buffer, and V8 collects
 * external memory once about 64 MiB of it has piled up. So RSS rises to a plateau near that
 * (measured: ~65 MiB for 100 MB and ~73 MiB for 300 MB) instead of staying perfectly level, and
 * the plateau does not grow with the body. A proxy that held the body would exceed the body size.
 */
const FLAT_BOUND = 80 * 1024 * 1024;

/** Resident set size of another process (Linux), in bytes. */
function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
  return Number(kib) * 1024;
}

/**
 * The proxy runs in its own process (the bench's strangler server: production logger, metrics and
 * route table) so its memory is measured alone; client and upstream garbage stays in this one.
 */
async function peakRssGrowth(pid: number, transfer: () => Promise<void>): Promise<number> {
  const baseline = rssOf(pid);
  let peak = baseline;
  const sampler = setInterval(() => {
    peak = Math.max(peak, rssOf(pid));
  }, 5);
  try {
    await transfer();
  } finally {
    clearInterval(sampler);
  }
  return Math.max(peak, rssOf(pid)) - baseline;
}

describe.each(LEGACY_ENGINES)('streaming 100 MB through the proxy (%s engine)', (engine) => {
  let upstream: Upstream;
  let child: ChildProcess;
  let proxyPort = 0;
  let pid = 0;
  let uploaded = 0;

  beforeAll(async () => {
    upstream = await startUpstream((req, res) => {
      if (req.method === 'POST') {
        let received = 0;
        req.on('data', (chunk: Buffer) => (received += chunk.length));
        req.on('end', () => {
          uploaded = received;
          res.end(String(received));
        });
        return;
      }
      if (req.url !== '/download') {
        res.end('warm');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': TOTAL });
      void pipeline(hundredMegabytes(), res).catch(() => undefined);
    });
    child = fork(new URL('../../scripts/bench/strangler-server.ts', import.meta.url), [upstream.url.href], {
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      execArgv: [],
      // This upstream takes any body; Kestrel's default limit would refuse 100 MB before reading it.
      env: {
        ...process.env,
        NODE_OPTIONS: '',
        LOG_LEVEL: 'info',
        PROXY_ENGINE: engine,
        LEGACY_MAX_REQUEST_BODY_BYTES: '0',
      },
    });
    proxyPort = await new Promise<number>((resolve, reject) => {
      child.once('message', (message) => resolve((message as { port: number }).port));
      child.once('exit', (code) => reject(new Error(`proxy process exited with ${String(code)}`)));
    });
    pid = child.pid ?? 0;
    // Warm up: the first requests load code and grow the heap once, which is not per-body cost.
    for (let i = 0; i < 20; i += 1) {
      await new Promise<void>((resolve) =>
        http.get({ host: '127.0.0.1', port: proxyPort, path: '/warm', agent: false }, (res) => {
          res.destroy();
          resolve();
        }),
      );
    }
  });

  afterAll(async () => {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.disconnect();
    await exited;
    await upstream.close();
  });

  it('streams a 100 MB upload to legacy with flat memory', async () => {
    const growth = await peakRssGrowth(
      pid,
      () =>
        new Promise<void>((resolve, reject) => {
          const req = http.request(
            {
              host: '127.0.0.1',
              port: proxyPort,
              method: 'POST',
              path: '/upload',
              agent: false,
              headers: { 'content-length': TOTAL },
            },
            (res) => {
              res.resume();
              res.on('end', resolve);
            },
          );
          req.on('error', reject);
          hundredMegabytes().pipe(req);
        }),
    );
    expect(uploaded).toBe(TOTAL);
    expect(growth).toBeLessThan(FLAT_BOUND);
  });

  it('streams a 100 MB download from legacy with flat memory', async () => {
    let received = 0;
    const growth = await peakRssGrowth(
      pid,
      () =>
        new Promise<void>((resolve, reject) => {
          http
            .get({ host: '127.0.0.1', port: proxyPort, path: '/download', agent: false }, (res) => {
              res.on('data', (chunk: Buffer) => (received += chunk.length));
              res.on('end', resolve);
              res.on('error', reject);
            })
            .on('error', reject);
        }),
    );
    expect(received).toBe(TOTAL);
    expect(growth).toBeLessThan(FLAT_BOUND);
  });
});
