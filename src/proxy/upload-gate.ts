import type { IncomingMessage, ServerResponse } from 'node:http';

import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import { DEFAULT_BODY_BUDGET_BYTES, sendOverBudget, sendRefusal, type BodyBudget } from './body-budget.ts';
import type { Exchange } from './exchange.ts';
import { answerBodyTimeout } from './legacy-body-limit.ts';
import { declaredBodyLength, hasBody, readBody, type BodyResult } from './stages/read-body.ts';
import {
  DEFAULT_UPLOAD_LIMITS,
  type CutReason,
  type UploadLimits,
  type UploadWatch,
} from './upload-watch.ts';

/** Every request-body setting (the BODY_* environment variables, src/config/body-settings.ts). */
export interface BodySettings extends UploadLimits {
  /** Bodies up to this size arrive in full before legacy is called; larger ones stream after that much. */
  readonly bufferBytes: number;
  /** The process-wide in-flight body budget (body-budget.ts). */
  readonly budgetBytes: number;
}

export const DEFAULT_BODY_SETTINGS: BodySettings = {
  ...DEFAULT_UPLOAD_LIMITS,
  bufferBytes: 64 * 1024,
  budgetBytes: DEFAULT_BODY_BUDGET_BYTES,
};

/** What the gate made of a body: read (in full or up to the cap), or answered here already. */
export type GateResult = BodyResult | { readonly kind: 'refused' };

export interface ReceiveOptions {
  readonly limit: number;
  /** True: a declared length over `limit` is over the cap at once, nothing read. */
  readonly refuseDeclaredOverLimit: boolean;
  /** Sees every chunk of the body as it arrives (the observer's tee). */
  readonly tee: ((chunk: Buffer) => void) | undefined;
}

export interface UploadGate {
  /** Receives a request body under the upload limits and the body budget. */
  receive(
    req: IncomingMessage,
    res: ServerResponse,
    exchange: Exchange,
    options: ReceiveOptions,
  ): Promise<GateResult>;
}

export interface UploadGateDeps {
  readonly watch: UploadWatch;
  readonly budget: BodyBudget;
  readonly metrics: Pick<Metrics, 'requestBodiesRefused'>;
  readonly logger: Logger;
}

const NO_BODY: GateResult = { kind: 'complete', bytes: Buffer.alloc(0) };
const NOTHING_YET = Promise.resolve(NO_BODY);
const REFUSED: GateResult = { kind: 'refused' };
/** Seconds an address at its cap is asked to wait before its next upload. */
const PER_ADDRESS_RETRY_AFTER_SECONDS = 5;

/*
 * The way in for every request body, before any backend sees it: the upload watch (rate, idle, bodies
 * per address) guards the time it takes to arrive, the budget the memory it holds. A body cut off
 * gets Kestrel's answer (408); one refused gets 429 (its address is at its cap) or 503 (the budget is
 * full), both with Retry-After.
 */
export function createUploadGate(deps: UploadGateDeps): UploadGate {
  const { watch, budget, metrics, logger } = deps;
  const refused = (reason: string, exchange: Exchange): GateResult => {
    metrics.requestBodiesRefused.inc({ reason });
    logger.info('request body refused', { requestId: exchange.requestId, route: exchange.route, reason });
    return REFUSED;
  };

  const receiveBody = async (
    req: IncomingMessage,
    res: ServerResponse,
    exchange: Exchange,
    options: ReceiveOptions,
  ): Promise<GateResult> => {
    if (options.refuseDeclaredOverLimit && (declaredBodyLength(req) ?? 0) > options.limit) {
      return { kind: 'over-cap', replay: undefined, read: 0 };
    }
    let cut = false;
    const onCut = (reason: CutReason): void => {
      cut = true;
      refused(reason, exchange);
      answerBodyTimeout(res);
    };
    if (!watch.admit(req, onCut)) {
      sendRefusal(res, PER_ADDRESS_RETRY_AFTER_SECONDS, {
        status: 429,
        title: 'Too Many Requests',
        detail: 'Too many request bodies are arriving from this address at once.',
        requestId: exchange.requestId,
      });
      return refused('per_address', exchange);
    }
    if (options.tee !== undefined) req.on('data', options.tee);
    const read = readBody(req, { limit: options.limit, budget });
    res.once('close', read.release);
    const result = await read.result;
    if (cut) return REFUSED;
    if (result.kind !== 'over-budget') return result;
    sendOverBudget(res, exchange.requestId);
    return refused('budget', exchange);
  };
  return {
    receive: (req, res, exchange, options) =>
      hasBody(req) ? receiveBody(req, res, exchange, options) : NOTHING_YET,
  };
}
