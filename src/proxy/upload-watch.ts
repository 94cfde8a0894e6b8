import type { IncomingMessage } from 'node:http';

/** How slow a request body may arrive, and how many may be arriving at once from one address. */
export interface UploadLimits {
  /**
   * Kestrel's MinRequestBodyDataRate: after the grace period, a body whose average rate over the time
   * it was being read falls below this is cut. 0: no rate check.
   */
  readonly minBytesPerSecond: number;
  readonly rateGraceMs: number;
  /** A body that sends nothing for this long is cut, whatever its average rate. 0: no idle check. */
  readonly idleTimeoutMs: number;
  /** Bodies still arriving at once from one client address (the TCP peer); 0: no cap. */
  readonly perAddress: number;
}

/** Kestrel's defaults (240 bytes/s after 5 s); the idle timeout is legacy's own default timeout. */
export const DEFAULT_UPLOAD_LIMITS: UploadLimits = {
  minBytesPerSecond: 240,
  rateGraceMs: 5000,
  idleTimeoutMs: 30_000,
  perAddress: 32,
};

export type CutReason = 'too_slow' | 'idle';

/** One body being received: the watch's record of it. */
interface Upload {
  readonly req: IncomingMessage;
  readonly address: string;
  readonly onCut: (reason: CutReason) => void;
  bytes: number;
  /** Time spent reading this body (not waiting on backpressure), as Kestrel times it. */
  readingMs: number;
  /** Reading time since the last chunk. */
  quietMs: number;
}

/*
 * One sweep for every body in flight (Kestrel's heartbeat does the same once a second), running only
 * while there is one: a request without a body never meets the watch, and an idle proxy has no timer.
 */
export class UploadWatch {
  readonly #limits: UploadLimits;
  readonly #tickMs: number;
  readonly #uploads = new Set<Upload>();
  readonly #perAddress = new Map<string, number>();
  #timer: NodeJS.Timeout | undefined;
  #lastTick = 0;

  constructor(limits: UploadLimits) {
    this.#limits = limits;
    const bounds = [1000, limits.rateGraceMs / 5, limits.idleTimeoutMs / 5].filter((ms) => ms > 0);
    this.#tickMs = Math.max(10, Math.min(...bounds));
  }

  /** Bodies in flight from `address` (tests, metrics). */
  inFlight(address: string): number {
    return this.#perAddress.get(address) ?? 0;
  }

  /**
   * Starts watching `req`'s body until it ends or its client leaves; `onCut` is called (once) if it
   * arrives too slowly. False when its address already has as many bodies in flight as allowed.
   */
  admit(req: IncomingMessage, onCut: (reason: CutReason) => void): boolean {
    const address = req.socket.remoteAddress ?? '';
    const count = this.#perAddress.get(address) ?? 0;
    if (this.#limits.perAddress > 0 && count >= this.#limits.perAddress) return false;
    this.#perAddress.set(address, count + 1);
    const upload: Upload = { req, address, onCut, bytes: 0, readingMs: 0, quietMs: 0 };
    this.#uploads.add(upload);
    const onData = (chunk: Buffer): void => {
      upload.bytes += chunk.length;
      upload.quietMs = 0;
    };
    const done = (): void => {
      req.removeListener('data', onData);
      req.removeListener('end', done);
      req.removeListener('close', done);
      this.#forget(upload);
    };
    req.on('data', onData);
    req.on('end', done);
    req.on('close', done);
    this.#start();
    return true;
  }

  #forget(upload: Upload): void {
    if (!this.#uploads.delete(upload)) return;
    const left = (this.#perAddress.get(upload.address) ?? 1) - 1;
    if (left === 0) this.#perAddress.delete(upload.address);
    else this.#perAddress.set(upload.address, left);
    if (this.#uploads.size === 0) this.#stop();
  }

  #start(): void {
    if (this.#timer !== undefined) return;
    this.#lastTick = performance.now();
    this.#timer = setInterval(() => this.#sweep(), this.#tickMs);
    this.#timer.unref();
  }

  #stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #sweep(): void {
    const now = performance.now();
    // A late tick (the event loop was busy) counts as one tick: our stall is not the client's fault.
    const elapsed = Math.min(now - this.#lastTick, this.#tickMs * 2);
    this.#lastTick = now;
    for (const upload of this.#uploads) {
      const reason = this.#check(upload, elapsed);
      if (reason === undefined) continue;
      this.#forget(upload);
      upload.onCut(reason);
    }
  }

  #check(upload: Upload, elapsed: number): CutReason | undefined {
    // Paused by backpressure (legacy not reading yet): that time is not held against the client.
    if (upload.req.readableFlowing !== true) return undefined;
    upload.readingMs += elapsed;
    upload.quietMs += elapsed;
    const { minBytesPerSecond, rateGraceMs, idleTimeoutMs } = this.#limits;
    if (idleTimeoutMs > 0 && upload.quietMs >= idleTimeoutMs) return 'idle';
    if (minBytesPerSecond > 0 && upload.readingMs > rateGraceMs) {
      const rate = upload.bytes / (upload.readingMs / 1000);
      if (rate < minBytesPerSecond) return 'too_slow';
    }
    return undefined;
  }

  close(): void {
    this.#stop();
    this.#uploads.clear();
    this.#perAddress.clear();
  }
}
