import { readdirSync, readFileSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join } from 'node:path';
import { packageRoot } from '../config/paths.js';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
};

// Everything the panel needs is served from here; nothing is loaded from another origin.
const PAGE_HEADERS = {
  'Content-Security-Policy':
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  // The page URL may carry ?key=; never leak it to another site.
  'Referrer-Policy': 'no-referrer',
};

interface StaticFile {
  body: Buffer;
  type: string;
}

/**
 * The web control panel's static files (web/ in the package: HTML, CSS, vanilla JS). They are read
 * once at start-up and served from memory, and only files that exist there are served, so no
 * request path can reach anything else on disk. The files hold no secrets: the page asks for the
 * control password (or takes it from a `?key=` link) and sends it with every API call.
 */
export class WebPanel {
  private readonly files = new Map<string, StaticFile>();

  constructor(dir = join(packageRoot(), 'web')) {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      const type = CONTENT_TYPES[extname(name)];
      if (type && statSync(path).isFile()) this.files.set('/' + name, { body: readFileSync(path), type });
    }
    if (!this.files.has('/index.html')) throw new Error(`web panel files are missing: no index.html in ${dir}`);
  }

  /** Answers GET/HEAD for a panel file; false when `pathname` is not one. */
  serve(req: IncomingMessage, res: ServerResponse, pathname: string): boolean {
    const file = this.files.get(pathname === '/' ? '/index.html' : pathname);
    if (!file) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify({ error: { code: 'method-not-allowed', message: `${req.method} is not allowed on ${pathname} (allowed: GET, HEAD)` } }));
      return true;
    }
    res.writeHead(200, { 'Content-Type': file.type, 'Content-Length': file.body.length, 'Cache-Control': 'no-cache', ...PAGE_HEADERS });
    res.end(req.method === 'HEAD' ? undefined : file.body);
    return true;
  }
}
