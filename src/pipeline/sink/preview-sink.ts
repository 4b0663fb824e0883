import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { isIP, type AddressInfo } from 'node:net';
import { loadJpegEncoder } from './jpeg-encoder.js';
import { MjpegStream } from './mjpeg-stream.js';
import { logger } from '../../log.js';
import type { OutputFrame, VideoFormat } from '../frame.js';
import type { FrameSink } from './frame-sink.js';

const log = logger('preview');

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>facemat-cam preview</title>
<style>
  html, body { margin: 0; height: 100%; background: #111; color: #ccc; font: 14px system-ui, sans-serif; }
  body { display: flex; flex-direction: column; align-items: center; justify-content: center; gap: 8px; }
  img { max-width: 100vw; max-height: calc(100vh - 40px); background: #000; }
</style>
</head>
<body>
<img src="/preview.mjpeg" alt="facemat-cam output">
<div>facemat-cam preview &middot; the control panel is on the control port (default http://127.0.0.1:4456/)</div>
</body>
</html>
`;

/**
 * The `preview:PORT` sink of `facemat run`: a tiny web server on 127.0.0.1:PORT with a page that
 * shows the output as MJPEG, the quick way for a newcomer to see the camera in a browser.
 * It has no password, so it binds to loopback by default and refuses requests whose Host header
 * names another site (DNS rebinding); the password-protected control panel has the controls.
 */
export class PreviewSink implements FrameSink {
  readonly description: string;
  private server: Server | undefined;
  private stream: MjpegStream | undefined;
  private bound: AddressInfo | undefined;

  constructor(
    private readonly port: number,
    private readonly host = '127.0.0.1',
  ) {
    this.description = `preview:${port} (http://${host}:${port}/)`;
  }

  /** Where the server listens once open (port 0 picks a free one). */
  get address(): { host: string; port: number; url: string } | undefined {
    if (!this.bound) return undefined;
    const host = this.bound.family === 'IPv6' ? `[${this.bound.address}]` : this.bound.address;
    return { host: this.bound.address, port: this.bound.port, url: `http://${host}:${this.bound.port}/` };
  }

  async open(_format: VideoFormat): Promise<void> {
    if (this.server) return;
    const stream = new MjpegStream({ encoder: loadJpegEncoder() });
    const server = createServer((req, res) => this.handle(req, res, stream));
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) =>
        reject(
          new Error(
            err.code === 'EADDRINUSE'
              ? `preview port ${this.port} is already in use; pick another with --sink preview:PORT`
              : `preview sink cannot listen on ${this.host}:${this.port}: ${err.message}`,
          ),
        ),
      );
      server.listen(this.port, this.host, () => resolve());
    });
    server.on('error', (err) => log.error(`preview server: ${err.message}`));
    this.server = server;
    this.stream = stream;
    this.bound = server.address() as AddressInfo;
    log.info(`preview: open ${this.address!.url} in a browser`);
  }

  async write(frame: OutputFrame): Promise<void> {
    this.stream?.offer(frame);
  }

  hasConsumers(): boolean {
    return this.stream?.hasConsumers() ?? false;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    this.stream?.close();
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  private handle(req: IncomingMessage, res: ServerResponse, stream: MjpegStream): void {
    if (!this.hostAllowed(req.headers.host)) {
      res.writeHead(421, { 'Content-Type': 'text/plain' }).end('wrong Host header\n');
      return;
    }
    const path = new URL(req.url ?? '/', 'http://preview.invalid').pathname;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain' }).end('method not allowed\n');
      return;
    }
    if (path === '/') {
      res.writeHead(200, {
        'Content-Type': 'text/html; charset=utf-8',
        'Content-Security-Policy': "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'",
        'Cache-Control': 'no-cache',
      });
      res.end(req.method === 'HEAD' ? undefined : PAGE);
    } else if (path === '/preview.mjpeg') {
      stream.addClient(req, res);
    } else if (path === '/preview.jpg') {
      void stream.snapshot().then((jpeg) => {
        if (!jpeg) res.writeHead(503, { 'Content-Type': 'text/plain' }).end('no frame yet\n');
        else res.writeHead(200, { 'Content-Type': 'image/jpeg', 'Cache-Control': 'no-store' }).end(jpeg);
      });
    } else {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found\n');
    }
  }

  /** On loopback only `localhost` and IP literals are accepted as Host; elsewhere anything. */
  private hostAllowed(hostHeader: string | undefined): boolean {
    const loopback = this.host === '127.0.0.1' || this.host === '::1' || this.host === 'localhost';
    if (!loopback) return true;
    if (!hostHeader) return false;
    const name = hostHeader.startsWith('[') ? hostHeader.slice(1, hostHeader.indexOf(']')) : hostHeader.replace(/:\d+$/, '');
    return name === 'localhost' || isIP(name) !== 0;
  }
}

/** The `preview:PORT` sink; see PreviewSink. */
export function createPreviewSink(port: number, host = '127.0.0.1'): PreviewSink {
  return new PreviewSink(port, host);
}
