import type { IncomingMessage, ServerResponse } from 'node:http';
import { ACTIONS, isActionName, type Command } from '../pipeline/controller/commands.js';
import { FILTERS, FILTER_NAMES, isFilterName, type FilterName } from '../pipeline/filter-settings/filter-catalogue.js';
import type { PipelineController } from '../pipeline/controller/pipeline-controller.js';
import { ApiError, toApiError } from './api-error.js';
import type { ControllerEventStream } from './event-stream.js';
import type { MjpegStream } from '../pipeline/sink/mjpeg-stream.js';
import { readJsonBody } from './request-body.js';
import { errorMessage } from '../util/error-message.js';

type Method = 'GET' | 'POST' | 'PUT';

/** What a handler returns: a JSON body (status 200), or STREAMED when it answered `res` itself. */
type Handler = (params: string[], req: IncomingMessage, res: ServerResponse) => Promise<unknown>;

interface Route {
  pattern: RegExp;
  methods: Partial<Record<Method, Handler>>;
}

const STREAMED = Symbol('streamed');

/**
 * The control HTTP API: routes, JSON in and out, errors as `{"error": {"code", "message"}}` with
 * the status the problem deserves. Every change goes through controller.execute(), the same door
 * as hotkeys and obs-websocket. Authentication happens before this (see control-server.ts).
 */
export class HttpApi {
  private readonly routes: Route[];

  constructor(
    private readonly controller: PipelineController,
    private readonly preview: MjpegStream,
    private readonly events: ControllerEventStream,
  ) {
    this.routes = this.buildRoutes();
  }

  /** True for the paths this API answers (and that need the password). */
  static owns(pathname: string): boolean {
    return pathname === '/api' || pathname.startsWith('/api/') || pathname.startsWith('/preview.');
  }

  async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    try {
      const result = await this.dispatch(req, res, url);
      if (result !== STREAMED) sendJson(res, 200, result);
    } catch (err) {
      sendError(res, toApiError(err));
    }
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse, url: URL): Promise<unknown> {
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const matching = this.routes
      .map((route) => ({ route, match: route.pattern.exec(path) }))
      .filter((m): m is { route: Route; match: RegExpExecArray } => m.match !== null);
    if (matching.length === 0) throw new ApiError(404, 'not-found', `no such endpoint: ${req.method} ${url.pathname}`);
    const method = req.method as Method;
    for (const { route, match } of matching) {
      const handler = route.methods[method];
      if (handler) return handler(match.slice(1).map(decodeParam), req, res);
    }
    const allow = [...new Set(matching.flatMap(({ route }) => Object.keys(route.methods)))].join(', ');
    throw new ApiError(405, 'method-not-allowed', `${req.method} is not allowed on ${url.pathname} (allowed: ${allow})`, {
      Allow: allow,
    });
  }

  private buildRoutes(): Route[] {
    const c = this.controller;
    const run = async (command: Command) => {
      await c.execute(command, 'http');
      return { ok: true, state: c.state() };
    };
    return [
      { pattern: /^\/api\/state$/, methods: { GET: async () => ({ ...c.state(), metrics: c.metrics() }) } },
      { pattern: /^\/api\/metrics$/, methods: { GET: async () => ({ metrics: c.metrics(), preview: this.preview.stats() }) } },
      { pattern: /^\/api\/filters$/, methods: { GET: async () => ({ filters: this.filters() }) } },
      {
        pattern: /^\/api\/filters\/([^/]+)$/,
        methods: { GET: async ([name]) => ({ filter: this.filters().find((f) => f.name === knownFilter(name)) }) },
      },
      {
        pattern: /^\/api\/filters\/([^/]+)\/(toggle|enable|disable)$/,
        methods: {
          POST: async ([name, verb], req) => {
            await readJsonBody(req);
            const filter = name as FilterName;
            return run(verb === 'toggle' ? { type: 'filter.toggle', name: filter } : { type: 'filter.enable', name: filter, enabled: verb === 'enable' });
          },
        },
      },
      {
        pattern: /^\/api\/filters\/([^/]+)\/settings$/,
        methods: {
          GET: async ([name]) => ({ settings: c.state().filters.find((f) => f.name === knownFilter(name))!.settings }),
          PUT: async ([name], req) => {
            const body = await readJsonBody(req);
            if (typeof body !== 'object' || body === null || Array.isArray(body)) {
              throw new ApiError(400, 'invalid-settings', 'the body must be a JSON object of settings, e.g. {"strength": 0.5}');
            }
            return run({ type: 'filter.settings', name: name as FilterName, settings: body as Record<string, never> });
          },
        },
      },
      {
        pattern: /^\/api\/filters\/([^/]+)\/move$/,
        methods: {
          POST: async ([name], req) => {
            const body = (await readJsonBody(req)) as { index?: unknown } | undefined;
            if (typeof body?.index !== 'number') throw new ApiError(400, 'invalid-value', 'the body must be {"index": N}');
            return run({ type: 'filter.move', name: name as FilterName, index: body.index });
          },
        },
      },
      {
        pattern: /^\/api\/presets$/,
        methods: {
          GET: async () => ({
            current: c.state().preset,
            presets: c.presets().map((p) => ({ name: p.name, description: p.description, filters: p.filters.map((f) => f.name) })),
          }),
        },
      },
      {
        pattern: /^\/api\/presets\/([^/]+)$/,
        methods: {
          POST: async ([name], req) => {
            await readJsonBody(req);
            if (name === 'next') return run({ type: 'preset.next' });
            if (name === 'previous') return run({ type: 'preset.previous' });
            return run({ type: 'preset.select', name });
          },
        },
      },
      {
        pattern: /^\/api\/camera\/(pause|resume|toggle)$/,
        methods: {
          POST: async ([verb], req) => {
            await readJsonBody(req);
            return run({ type: 'camera.pause', paused: verb === 'toggle' ? undefined : verb === 'pause' });
          },
        },
      },
      {
        pattern: /^\/api\/virtualcam\/(start|stop|toggle)$/,
        methods: {
          POST: async ([verb], req) => {
            await readJsonBody(req);
            return run({ type: `virtualcam.${verb as 'start' | 'stop' | 'toggle'}` });
          },
        },
      },
      { pattern: /^\/api\/actions$/, methods: { GET: async () => ({ actions: Object.keys(ACTIONS) }) } },
      {
        pattern: /^\/api\/actions\/([^/]+)$/,
        methods: {
          POST: async ([name], req) => {
            await readJsonBody(req);
            if (!isActionName(name)) {
              throw new ApiError(404, 'unknown-action', `no action "${name}" (actions: ${Object.keys(ACTIONS).join(', ')})`);
            }
            return run(ACTIONS[name]);
          },
        },
      },
      {
        pattern: /^\/api\/events$/,
        methods: {
          GET: async (_p, req, res) => {
            this.events.addClient(req, res);
            return STREAMED;
          },
        },
      },
      {
        pattern: /^\/preview\.mjpeg$/,
        methods: {
          GET: async (_p, req, res) => {
            this.preview.addClient(req, res);
            return STREAMED;
          },
        },
      },
      {
        pattern: /^\/preview\.jpg$/,
        methods: {
          GET: async (_p, _req, res) => {
            const jpeg = await this.preview.snapshot();
            if (!jpeg) throw new ApiError(503, 'no-frame', 'the pipeline sent no frame in time; is it running?');
            res.writeHead(200, { 'Content-Type': 'image/jpeg', 'Content-Length': jpeg.length, 'Cache-Control': 'no-store' });
            res.end(jpeg);
            return STREAMED;
          },
        },
      },
    ];
  }

  /**
   * Every filter in catalogue order (stable, so UIs can number them), its catalogue entry merged
   * with its live state; `index` is its position in the chain.
   */
  private filters() {
    const chain = this.controller.state().filters;
    return FILTER_NAMES.map((name) => {
      const index = chain.findIndex((f) => f.name === name);
      const spec = FILTERS[name];
      const live = chain[index];
      return { name, label: spec.label, description: spec.description, params: spec.params, enabled: live.enabled, settings: live.settings, index };
    });
  }
}

function knownFilter(name: string): FilterName {
  if (!isFilterName(name)) throw new ApiError(404, 'unknown-filter', `no filter "${name}" (filters: ${Object.keys(FILTERS).join(', ')})`);
  return name;
}

function decodeParam(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new ApiError(400, 'bad-request', `malformed URL escape in "${raw}"`);
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
    ...headers,
  });
  res.end(text);
}

export function sendError(res: ServerResponse, err: unknown): void {
  if (err instanceof ApiError) {
    sendJson(res, err.status, { error: { code: err.code, message: err.message } }, err.headers);
    return;
  }
  const message = errorMessage(err);
  sendJson(res, 500, { error: { code: 'internal', message } });
}
