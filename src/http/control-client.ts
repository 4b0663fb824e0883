/** A failed HTTP API call, with the API's error code (or 'unreachable' when nothing answered). */
export class ControlClientError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ControlClientError';
  }
}

/** A small client for the control HTTP API (what `facemat ctl` and the tests use). */
export class ControlClient {
  private readonly base: string;

  constructor(
    baseUrl: string,
    private readonly password: string,
    private readonly timeoutMs = 10_000,
  ) {
    this.base = baseUrl.replace(/\/+$/, '');
  }

  async request(method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown): Promise<Record<string, unknown>> {
    let res: Response;
    try {
      res = await fetch(this.base + path, {
        method,
        headers: {
          Authorization: `Bearer ${this.password}`,
          ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      const why = cause?.code ?? cause?.message ?? (err as Error).message;
      throw new ControlClientError(0, 'unreachable', `cannot reach facemat-cam at ${this.base} (${why}); is \`facemat run\` running?`);
    }
    const text = await res.text();
    let data: Record<string, unknown>;
    try {
      data = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      throw new ControlClientError(res.status, 'bad-response', `${this.base} did not answer with JSON (HTTP ${res.status}); is it facemat-cam?`);
    }
    if (!res.ok) {
      const error = (data.error ?? {}) as { code?: string; message?: string };
      throw new ControlClientError(res.status, error.code ?? `http-${res.status}`, error.message ?? `HTTP ${res.status}`);
    }
    return data;
  }
}
