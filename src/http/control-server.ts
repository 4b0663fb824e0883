import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { logger } from '../log.js';
import type { PipelineController, Preview } from '../pipeline/controller/pipeline-controller.js';
import { authorize } from './auth.js';
import { AuthFailureLimiter } from '../util/auth-failure-limiter.js';
import { ControllerEventStream } from './event-stream.js';
import { HttpApi, sendError, sendJson } from './http-api.js';
import { ApiError } from './api-error.js';
import { WebPanel } from './web-panel.js';
import { errorMessage } from '../util/error-message.js';

const log = logger('control');

/** Takes WebSocket upgrades on the control port: the obs-websocket server (src/obs/server). */
export interface UpgradeHandler {
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  close(): Promise<void>;
}

export interface ControlServerOptions {
  controller: PipelineController;
  host: string;
  port: number;
  password: string;
  /**
   * Wrong passwords of all clients together; `facemat run` shares it with the obs-websocket
   * server. Default: a limiter of its own, 5 failures a minute.
   */
  authFailures?: AuthFailureLimiter;
  upgradeHandler?: UpgradeHandler;
  /** Live preview tuning; see MjpegStreamOptions. */
  preview?: { maxWidth?: number; quality?: number; maxFps?: number };
  /** Directory of the panel's static files (default: web/ in the package). */
  webDir?: string;
}

export interface ControlAddress {
  host: string;
  port: number;
  /** http://HOST:PORT/ (IPv6 hosts bracketed). */
  url: string;
}

/**
 * The one HTTP server on the control address (127.0.0.1:4456 by default). It serves the HTTP
 * API (/api/...), the live preview (/preview.mjpeg, /preview.jpg), the web panel (/, its assets)
 * and hands WebSocket upgrades to the obs-websocket server, so stream decks, browsers and
 * obs-websocket controllers all use one port and one password.
 */
export class ControlServer {
  private constructor(
    private readonly server: Server,
    readonly address: ControlAddress,
    private readonly parts: {
      preview: Preview;
      events: ControllerEventStream;
      upgradeHandler?: UpgradeHandler;
    },
  ) {}

  static async start(options: ControlServerOptions): Promise<ControlServer> {
    if (!options.password) throw new Error('the control password must not be empty');
    const { controller } = options;
    const panel = new WebPanel(options.webDir);
    const preview = controller.attachPreview(options.preview, 'web panel preview');
    const events = new ControllerEventStream(controller, { extraMetrics: () => ({ preview: preview.stream.stats() }) });
    const api = new HttpApi(controller, preview.stream, events);
    const failures = options.authFailures ?? new AuthFailureLimiter(5);

    const server = createServer((req, res) => {
      handleRequest(req, res, options.password, failures, api, panel).catch((err: unknown) => {
        if (!(err instanceof ApiError)) log.error(`${req.method} ${req.url}: ${errorMessage(err)}`);
        sendError(res, err);
      });
    });
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      if (options.upgradeHandler) {
        options.upgradeHandler.handleUpgrade(req, socket, head);
        return;
      }
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    });
    server.on('clientError', (_err, socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    });

    try {
      await new Promise<void>((resolve, reject) => {
        const onError = (err: NodeJS.ErrnoException) => {
          reject(
            new Error(
              err.code === 'EADDRINUSE'
                ? `control port ${options.host}:${options.port} is already in use (is another facemat running? choose another with --control HOST:PORT)`
                : `cannot listen on ${options.host}:${options.port}: ${err.message}`,
            ),
          );
        };
        server.once('error', onError);
        server.listen(options.port, options.host, () => {
          server.off('error', onError);
          resolve();
        });
      });
    } catch (err) {
      // Nothing may stay attached to the pipeline when the control server does not start.
      preview.close();
      events.close();
      throw err;
    }
    server.on('error', (err) => log.error(`control server: ${err.message}`));

    const bound = server.address() as AddressInfo;
    const hostForUrl = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address;
    const address = { host: bound.address, port: bound.port, url: `http://${hostForUrl}:${bound.port}/` };
    log.info(`control panel and HTTP API on ${address.url}`);
    return new ControlServer(server, address, { preview, events, upgradeHandler: options.upgradeHandler });
  }

  /** Stops serving: ends streams, closes the obs-websocket handler, drops open connections. */
  async close(): Promise<void> {
    const { preview, events, upgradeHandler } = this.parts;
    preview.close();
    events.close();
    await upgradeHandler?.close();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}

/** Starts the control server; see ControlServer. */
export function startControlServer(options: ControlServerOptions): Promise<ControlServer> {
  return ControlServer.start(options);
}

async function handleRequest(
  req: IncomingMessage,
  res: ServerResponse,
  password: string,
  failures: AuthFailureLimiter,
  api: HttpApi,
  panel: WebPanel,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://control.invalid');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  if (HttpApi.owns(url.pathname)) {
    authorize(req, url, password, failures);
    await api.handle(req, res, url);
    return;
  }
  if (panel.serve(req, res, url.pathname)) return;
  sendJson(res, 404, { error: { code: 'not-found', message: `no such page: ${url.pathname}` } });
}
