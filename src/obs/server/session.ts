import type { WebSocket } from 'ws';
import { logger } from '../../log.js';
import type { PipelineController } from '../../pipeline/controller/pipeline-controller.js';
import { tooManyFailuresMessage, type AuthFailureLimiter } from '../../util/auth-failure-limiter.js';
import type { Authenticator } from './auth.js';
import type { Codec } from './codec.js';
import { ObsRequest, isObject } from './obs-request.js';
import {
  CloseCode,
  EventSubscription,
  OBS_WEBSOCKET_PROTOCOL_VERSION,
  OpCode,
  RPC_VERSION,
  RequestBatchExecutionType,
  RequestStatus,
  isBatchExecutionType,
  type HelloData,
  type JsonObject,
  type ObsMessage,
  type RequestResponseData,
} from './protocol.js';
import { productInfo } from './product-info.js';
import { RateLimiter } from './rate-limiter.js';
import { type BaseContext, type RequestBatchRunner, responseFor } from './request-batch-runner.js';
import type { RequestDispatcher } from './request-dispatcher.js';
import type { ObsStateModel } from './state-model.js';

const log = logger('obs-server');

/** What a session needs from the server it belongs to. */
export interface SessionHost {
  readonly controller: PipelineController;
  readonly model: ObsStateModel;
  readonly dispatcher: RequestDispatcher;
  readonly batchRunner: RequestBatchRunner;
  /** Null when no password is set: Hello then carries no challenge. */
  readonly authenticator: Authenticator | null;
  /** Failed authentications of every client together (shared with the HTTP API in `facemat run`). */
  readonly authFailures: AuthFailureLimiter;
  readonly requestsPerSecond: number;
  readonly requestBurst: number;
  /** A connection that has not identified by then is closed, so idle sockets cannot hold client slots. */
  readonly identifyTimeoutMs: number;
  broadcastCustomEvent(eventData: JsonObject): void;
  sessionClosed(session: ObsSession): void;
}

/** Requests waiting behind a slow one (a virtual camera starting) before new ones are refused. */
const MAX_PENDING = 256;
/** Stop reading from a client whose unread responses pile up past this; resume below LOW. */
const SEND_HIGH_WATER = 4 * 1024 * 1024;
const SEND_LOW_WATER = 1024 * 1024;
/** WebSocket close reasons are limited to 123 bytes. */
const MAX_CLOSE_REASON = 123;
const RATE_LIMITED = 'Too many requests from this session; slow down and retry later.';

/**
 * One client connection, through the obs-websocket 5 session life cycle: Hello (with an
 * authentication challenge when a password is set), Identify, then requests, batches,
 * Reidentify and events. Every protocol violation closes the connection with the code the real
 * server uses; every request gets an answer, a status code when it cannot be carried out.
 * Requests run one after another in arrival order; a client over its request rate gets status
 * 207 (NotReady: "retry after a delay") at once, without touching any state.
 */
export class ObsSession {
  identified = false;
  eventSubscriptions: number = EventSubscription.All;
  incomingMessages = 0;
  outgoingMessages = 0;
  private readonly challenge: string | null;
  private readonly limiter: RateLimiter;
  private readonly abort = new AbortController();
  private queue: Promise<void> = Promise.resolve();
  private pending = 0;
  private closing = false;
  private readonly closedPromise: Promise<void>;
  private identifyTimer: NodeJS.Timeout | null;

  constructor(
    private readonly ws: WebSocket,
    readonly codec: Codec,
    readonly remoteAddress: string,
    private readonly host: SessionHost,
  ) {
    this.challenge = host.authenticator ? host.authenticator.newChallenge() : null;
    this.limiter = new RateLimiter(host.requestsPerSecond, host.requestBurst);
    this.closedPromise = new Promise((resolve) => ws.once('close', () => resolve()));
    this.identifyTimer = setTimeout(
      () => this.close(CloseCode.NotIdentified, 'You did not send an Identify message in time.'),
      host.identifyTimeoutMs,
    );
    ws.on('message', (data, isBinary) => this.receive(toBuffer(data), isBinary));
    ws.on('close', (code, reason) => this.onClosed(code, reason.toString()));
    // Protocol errors from ws itself (an oversize frame: ws closes with 1009 on its own).
    ws.on('error', (err) => log.debug(`client ${this.remoteAddress}: ${err.message}`));
    this.sendHello();
  }

  /** Whether this session asked for events of `intent`. */
  wants(intent: number): boolean {
    return this.identified && !this.closing && (this.eventSubscriptions & intent) !== 0;
  }

  /** Sends an already encoded message (events are encoded once per encoding, for all sessions). */
  sendEncoded(payload: string | Uint8Array): void {
    if (this.closing || this.ws.readyState !== this.ws.OPEN) return;
    this.outgoingMessages++;
    this.ws.send(payload, { binary: typeof payload !== 'string' }, () => {
      if (this.ws.isPaused && this.ws.bufferedAmount < SEND_LOW_WATER) this.ws.resume();
    });
    if (!this.ws.isPaused && this.ws.bufferedAmount > SEND_HIGH_WATER) {
      log.info(`client ${this.remoteAddress} is not reading its answers: pausing its requests`);
      this.ws.pause();
    }
  }

  send(message: ObsMessage): void {
    this.sendEncoded(this.codec.encode(message));
  }

  close(code: number, reason: string): void {
    if (this.closing) return;
    this.closing = true;
    this.stopIdentifyTimer();
    this.abort.abort();
    if (code >= 4000) log.info(`closing client ${this.remoteAddress}: ${code} ${reason}`);
    if (this.ws.readyState === this.ws.OPEN || this.ws.readyState === this.ws.CONNECTING) {
      this.ws.close(code, truncateUtf8(reason, MAX_CLOSE_REASON));
      // A session paused for back-pressure must read again to see the client's close frame.
      if (this.ws.isPaused) this.ws.resume();
    }
  }

  /** Ends the connection at once, for a client that never completes the close handshake. */
  terminate(): void {
    this.closing = true;
    this.stopIdentifyTimer();
    this.abort.abort();
    this.ws.terminate();
  }

  closed(): Promise<void> {
    return this.closedPromise;
  }

  private sendHello(): void {
    const info = productInfo();
    const hello: HelloData = {
      obsStudioVersion: info.version,
      obsWebSocketVersion: OBS_WEBSOCKET_PROTOCOL_VERSION,
      rpcVersion: RPC_VERSION,
    };
    if (this.host.authenticator && this.challenge) {
      hello.authentication = { challenge: this.challenge, salt: this.host.authenticator.salt };
    }
    this.send({ op: OpCode.Hello, d: hello });
  }

  private receive(data: Buffer, isBinary: boolean): void {
    if (this.closing) return;
    this.incomingMessages++;
    let message: unknown;
    try {
      message = this.codec.decode(data, isBinary);
    } catch (err) {
      return this.close(CloseCode.MessageDecodeError, (err as Error).message);
    }
    if (!isObject(message)) return this.close(CloseCode.MessageDecodeError, 'You sent a non-object payload.');
    if (!this.identified && Object.hasOwn(message, 'request-type')) {
      return this.close(
        CloseCode.UnsupportedRpcVersion,
        'You appear to be attempting to connect with the pre-5.0.0 plugin protocol. Check to make sure your client is updated.',
      );
    }
    if (!Object.hasOwn(message, 'op')) return this.close(CloseCode.UnknownOpCode, 'Your request is missing an `op`.');
    const op = message.op;
    if (typeof op !== 'number') return this.close(CloseCode.UnknownOpCode, 'Your `op` is not a number.');
    const d = message.d;
    if (!isObject(d)) {
      return d === undefined || d === null
        ? this.close(CloseCode.MissingDataField, 'Your payload is missing data (`d`).')
        : this.close(CloseCode.InvalidDataFieldType, "Your payload's data (`d`) is not an object.");
    }
    if (!this.identified && op !== OpCode.Identify) {
      return this.close(CloseCode.NotIdentified, 'You attempted to send a non-Identify message while not identified.');
    }
    switch (op) {
      case OpCode.Identify:
        return this.identify(d);
      case OpCode.Reidentify:
        return this.reidentify(d);
      case OpCode.Request:
        return this.request(d);
      case OpCode.RequestBatch:
        return this.requestBatch(d);
      default:
        return this.close(CloseCode.UnknownOpCode, `Unknown OpCode: ${op}`);
    }
  }

  private identify(d: JsonObject): void {
    if (this.identified) return this.close(CloseCode.AlreadyIdentified, 'You are already Identified with the obs-websocket server.');
    const auth = this.host.authenticator;
    if (auth && this.challenge) {
      // Checked before the answer is: while locked, a right answer is refused too, or the
      // lock-out would tell a guesser which of its answers was right.
      const waitMs = this.host.authFailures.retryAfterMs();
      if (waitMs > 0) return this.close(CloseCode.AuthenticationFailed, `Authentication failed: ${tooManyFailuresMessage(waitMs)}.`);
      if (!Object.hasOwn(d, 'authentication')) {
        return this.close(
          CloseCode.AuthenticationFailed,
          "Your payload's data is missing an `authentication` string, however authentication is required.",
        );
      }
      if (typeof d.authentication !== 'string') {
        return this.close(CloseCode.AuthenticationFailed, 'Your `authentication` field is not a string.');
      }
      if (!auth.verify(this.challenge, d.authentication)) {
        this.host.authFailures.recordFailure(this.remoteAddress);
        const recent = this.host.authFailures.recent();
        log.warn(`failed authentication from ${this.remoteAddress} (${recent.failures} in the last minute from ${recent.sources} address(es))`);
        return this.close(CloseCode.AuthenticationFailed, 'Authentication failed.');
      }
    }
    if (!Object.hasOwn(d, 'rpcVersion')) return this.close(CloseCode.MissingDataField, "Your payload's data is missing an `rpcVersion`.");
    if (!isUnsigned(d.rpcVersion)) return this.close(CloseCode.InvalidDataFieldType, 'Your `rpcVersion` is not an unsigned number.');
    if (d.rpcVersion !== RPC_VERSION) {
      return this.close(CloseCode.UnsupportedRpcVersion, 'Your requested RPC version is not supported by this server.');
    }
    if (!this.applySubscriptions(d)) return;
    this.identified = true;
    this.stopIdentifyTimer();
    log.info(`client ${this.remoteAddress} identified (${this.codec.subprotocol})`);
    this.send({ op: OpCode.Identified, d: { negotiatedRpcVersion: RPC_VERSION } });
  }

  private reidentify(d: JsonObject): void {
    if (!this.applySubscriptions(d)) return;
    this.send({ op: OpCode.Identified, d: { negotiatedRpcVersion: RPC_VERSION } });
  }

  private applySubscriptions(d: JsonObject): boolean {
    if (!Object.hasOwn(d, 'eventSubscriptions')) return true;
    if (!isUnsigned(d.eventSubscriptions)) {
      this.close(CloseCode.InvalidDataFieldType, 'Your `eventSubscriptions` is not an unsigned number.');
      return false;
    }
    this.eventSubscriptions = d.eventSubscriptions;
    return true;
  }

  private request(d: JsonObject): void {
    if (!Object.hasOwn(d, 'requestId')) return this.close(CloseCode.MissingDataField, 'Your payload data is missing a `requestId`.');
    if (!Object.hasOwn(d, 'requestType')) return this.close(CloseCode.MissingDataField, "Your payload's data is missing an `requestType`.");
    if (typeof d.requestType !== 'string') return this.close(CloseCode.InvalidDataFieldType, 'Your `requestType` is not a string.');
    const entry = { requestType: d.requestType, requestId: d.requestId, hasRequestId: true };
    if (!this.admit(1)) {
      return this.send({ op: OpCode.RequestResponse, d: responseFor(entry, { status: RequestStatus.NotReady, comment: RATE_LIMITED }) });
    }
    const request = new ObsRequest(d.requestType, d.requestData, RequestBatchExecutionType.None);
    this.enqueue(async () => {
      const result = await this.host.dispatcher.dispatch(request, { ...this.context(), sleepFrames: () => {} });
      this.send({ op: OpCode.RequestResponse, d: responseFor(entry, result) });
    });
  }

  private requestBatch(d: JsonObject): void {
    if (!Object.hasOwn(d, 'requestId')) return this.close(CloseCode.MissingDataField, 'Your payload data is missing a `requestId`.');
    let executionType: RequestBatchExecutionType = RequestBatchExecutionType.SerialRealtime;
    if (d.executionType !== undefined && d.executionType !== null) {
      // As upstream: the field is read as unsigned, so -1 (None, a lone request) is refused here.
      if (!isUnsigned(d.executionType)) return this.close(CloseCode.InvalidDataFieldType, 'Your `executionType` is not a number.');
      if (!isBatchExecutionType(d.executionType) || d.executionType === RequestBatchExecutionType.None) {
        return this.close(CloseCode.InvalidDataFieldValue, 'Your `executionType` has an invalid value.');
      }
      executionType = d.executionType;
    }
    let variables: JsonObject = {};
    if (d.variables !== undefined && d.variables !== null) {
      if (!isObject(d.variables)) return this.close(CloseCode.InvalidDataFieldType, 'Your `variables` is not an object.');
      if (executionType === RequestBatchExecutionType.Parallel) {
        return this.close(CloseCode.UnsupportedFeature, 'Variables are not supported in Parallel mode.');
      }
      variables = d.variables;
    }
    let haltOnFailure = false;
    if (d.haltOnFailure !== undefined && d.haltOnFailure !== null) {
      if (typeof d.haltOnFailure !== 'boolean') return this.close(CloseCode.InvalidDataFieldType, 'Your `haltOnFailure` is not a boolean.');
      haltOnFailure = d.haltOnFailure;
    }
    if (!Object.hasOwn(d, 'requests')) return this.close(CloseCode.MissingDataField, 'Your payload data is missing a `requests`.');
    const requests = d.requests;
    if (!Array.isArray(requests)) return this.close(CloseCode.InvalidDataFieldType, 'Your `requests` is not an array.');

    const requestId = d.requestId;
    if (!this.admit(Math.max(1, requests.length))) {
      // Like the real server when it is not ready: one result when halting on failure, else one each.
      const refused = (haltOnFailure ? requests.slice(0, 1) : requests).map((raw) => {
        const o = isObject(raw) ? raw : {};
        const entry = {
          requestType: typeof o.requestType === 'string' ? o.requestType : '',
          requestId: o.requestId,
          hasRequestId: o.requestId !== undefined && o.requestId !== null,
        };
        return responseFor(entry, { status: RequestStatus.NotReady, comment: RATE_LIMITED });
      });
      return this.sendBatchResponse(requestId, refused);
    }
    this.enqueue(async () => {
      const results = await this.host.batchRunner.run(requests, { executionType, haltOnFailure, variables }, this.context());
      this.sendBatchResponse(requestId, results);
    });
  }

  private sendBatchResponse(requestId: unknown, results: RequestResponseData[]): void {
    this.send({ op: OpCode.RequestBatchResponse, d: { requestId, results } });
  }

  /** Whether the session may run `count` more requests now. */
  private admit(count: number): boolean {
    return this.pending < MAX_PENDING && this.limiter.take(count);
  }

  private enqueue(task: () => Promise<void>): void {
    this.pending++;
    this.queue = this.queue
      .then(task)
      .catch((err: unknown) => log.error(`client ${this.remoteAddress}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`))
      .finally(() => this.pending--);
  }

  private context(): BaseContext {
    const host = this.host;
    return {
      controller: host.controller,
      model: host.model,
      session: this,
      server: {
        availableRequests: () => host.dispatcher.availableRequests(),
        broadcastCustomEvent: (eventData) => host.broadcastCustomEvent(eventData),
      },
      signal: this.abort.signal,
    };
  }

  private stopIdentifyTimer(): void {
    if (this.identifyTimer) clearTimeout(this.identifyTimer);
    this.identifyTimer = null;
  }

  private onClosed(code: number, reason: string): void {
    this.closing = true;
    this.stopIdentifyTimer();
    this.abort.abort();
    log.debug(`client ${this.remoteAddress} disconnected: ${code} ${reason}`);
    this.host.sessionClosed(this);
  }
}

function isUnsigned(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}

function toBuffer(data: Buffer | ArrayBuffer | Buffer[]): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

/** Cuts a string to at most `max` UTF-8 bytes without splitting a character. */
function truncateUtf8(text: string, max: number): string {
  if (Buffer.byteLength(text) <= max) return text;
  let out = '';
  for (const ch of text) {
    if (Buffer.byteLength(out + ch) > max - 3) break;
    out += ch;
  }
  return out + '...';
}
