import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { logger } from '../../log.js';
import type { PipelineController } from '../../pipeline/controller/pipeline-controller.js';
import { AuthFailureLimiter } from '../../util/auth-failure-limiter.js';
import { Authenticator } from './auth.js';
import { codecFor, selectSubprotocol, type Codec } from './codec.js';
import { EventBridge } from './event-bridge.js';
import { EventSubscription, OpCode, WsCloseCode, type JsonObject, type ObsMessage } from './protocol.js';
import { RequestBatchRunner } from './request-batch-runner.js';
import { RequestDispatcher } from './request-dispatcher.js';
import { REQUEST_HANDLERS } from './request-handlers/index.js';
import { ObsSession, type SessionHost } from './session.js';
import { ObsStateModel } from './state-model.js';

const log = logger('obs-server');

/** The port facemat-cam's control server uses by default: OBS's own obs-websocket keeps 4455. */
export const DEFAULT_OBS_WEBSOCKET_PORT = 4456;

export interface ObsWebSocketServerOptions {
  controller: PipelineController;
  /** The control password; null serves without authentication (Hello then has no challenge). */
  password: string | null;
  /** Connections beyond this are closed at once with 1013 (try again later). Default 16. */
  maxClients?: number;
  /** Larger messages close the connection with 1009 (message too big). Default 1 MiB. */
  maxMessageBytes?: number;
  /**
   * Failed authentications per minute, all clients together, before further attempts are refused
   * unchecked until the oldest failure is a minute old. Default 5. Ignored with `authFailures`.
   */
  authFailuresPerMinute?: number;
  /** A limiter shared with other surfaces that take the same password (the HTTP API). */
  authFailures?: AuthFailureLimiter;
  /** Sustained requests per second per session (batches count each request). Default 200. */
  requestsPerSecond?: number;
  /** Requests a session may send at once above that rate. Default 400. */
  requestBurst?: number;
  /** Connections that have not identified after this long are closed with 4007. Default 10 s. */
  identifyTimeoutMs?: number;
}

/**
 * How long close() waits for clients to complete the close handshake before dropping them. A
 * local client answers in milliseconds; one that does not (stopped, or not reading its socket)
 * must not hold `facemat run`'s exit, which is bounded at 1 s (docs/pipeline.md, "Shutdown").
 */
const CLOSE_GRACE_MS = 250;

/**
 * facemat-cam as an obs-websocket 5 server. It binds nothing by itself: the control server
 * hands it WebSocket upgrades on the shared control port through handleUpgrade(); listen()
 * serves it on a port of its own (tests, or running without the control server).
 */
export class ObsWebSocketServer {
  private readonly wss: WebSocketServer;
  private readonly sessions = new Set<ObsSession>();
  private readonly host: SessionHost;
  private readonly model: ObsStateModel;
  private readonly bridge: EventBridge;
  private readonly maxClients: number;
  private httpServer: Server | null = null;
  private closing: Promise<void> | null = null;

  constructor(options: ObsWebSocketServerOptions) {
    const { controller } = options;
    this.maxClients = options.maxClients ?? 16;
    this.model = new ObsStateModel(controller);
    const dispatcher = new RequestDispatcher(REQUEST_HANDLERS);
    this.host = {
      controller,
      model: this.model,
      dispatcher,
      batchRunner: new RequestBatchRunner(dispatcher, () => this.model.frameIntervalMs()),
      authenticator: options.password === null ? null : new Authenticator(options.password),
      authFailures: options.authFailures ?? new AuthFailureLimiter(options.authFailuresPerMinute ?? 5),
      requestsPerSecond: options.requestsPerSecond ?? 200,
      requestBurst: options.requestBurst ?? 400,
      identifyTimeoutMs: options.identifyTimeoutMs ?? 10_000,
      broadcastCustomEvent: (eventData) => this.broadcast('CustomEvent', EventSubscription.General, eventData),
      sessionClosed: (session) => this.sessions.delete(session),
    };
    this.wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      perMessageDeflate: false,
      maxPayload: options.maxMessageBytes ?? 1024 * 1024,
      handleProtocols: (offered) => selectSubprotocol(offered) ?? false,
    });
    this.bridge = new EventBridge(controller, this.model, (eventType, intent, eventData) =>
      this.broadcast(eventType, intent, eventData as JsonObject),
    );
    this.bridge.start();
  }

  get clientCount(): number {
    return this.sessions.size;
  }

  /** Takes over an HTTP upgrade request (the control server routes obs-websocket ones here). */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (this.closing) {
      socket.destroy();
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, req));
  }

  /** Serves on a port of its own (127.0.0.1 unless told otherwise); resolves with the port. */
  listen(port = DEFAULT_OBS_WEBSOCKET_PORT, host = '127.0.0.1'): Promise<number> {
    if (this.httpServer) throw new Error('obs-websocket server is already listening');
    const server = createServer((_req, res) => {
      res.writeHead(426, { 'content-type': 'text/plain', upgrade: 'websocket' });
      res.end('obs-websocket 5: connect with a WebSocket client\n');
    });
    server.on('upgrade', (req, socket, head) => this.handleUpgrade(req, socket, head));
    this.httpServer = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        const address = server.address() as AddressInfo;
        log.info(`obs-websocket server on ws://${host}:${address.port}`);
        resolve(address.port);
      });
    });
  }

  /** Sends an event to every identified session subscribed to `intent`, encoded once per encoding. */
  broadcast(eventType: string, intent: number, eventData?: JsonObject): void {
    const d = eventData === undefined ? { eventType, eventIntent: intent } : { eventType, eventIntent: intent, eventData };
    const message: ObsMessage = { op: OpCode.Event, d };
    const encoded = new Map<Codec, string | Uint8Array>();
    for (const session of this.sessions) {
      if (!session.wants(intent)) continue;
      let payload = encoded.get(session.codec);
      if (payload === undefined) {
        payload = session.codec.encode(message);
        encoded.set(session.codec, payload);
      }
      session.sendEncoded(payload);
    }
  }

  /**
   * Tells clients we are going (ExitStarted, as OBS does on exit), closes every session with
   * 1001 and stops listening. Idempotent.
   */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.bridge.stop();
    this.model.dispose();
    this.broadcast('ExitStarted', EventSubscription.General);
    const sessions = [...this.sessions];
    for (const s of sessions) s.close(WsCloseCode.GoingAway, 'Server stopping.');
    const timer = setTimeout(() => sessions.forEach((s) => s.terminate()), CLOSE_GRACE_MS);
    await Promise.all(sessions.map((s) => s.closed()));
    clearTimeout(timer);
    this.wss.close();
    const server = this.httpServer;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private accept(ws: WebSocket, req: IncomingMessage): void {
    const address = req.socket.remoteAddress ?? 'unknown';
    ws.on('error', (err) => log.debug(`client ${address}: ${err.message}`));
    if (this.closing) {
      ws.close(WsCloseCode.GoingAway, 'Server stopping.');
      return;
    }
    if (this.sessions.size >= this.maxClients) {
      log.warn(`refused client ${address}: ${this.maxClients} clients already connected`);
      ws.close(WsCloseCode.TryAgainLater, `Too many clients: at most ${this.maxClients} at once.`);
      return;
    }
    this.sessions.add(new ObsSession(ws, codecFor(ws.protocol), address, this.host));
  }
}

/** The factory `facemat run` wires into the control server. */
export function createObsWebSocketServer(options: ObsWebSocketServerOptions): ObsWebSocketServer {
  return new ObsWebSocketServer(options);
}
