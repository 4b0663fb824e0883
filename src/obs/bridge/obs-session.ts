import type OBSWebSocket from 'obs-websocket-js/json';
import type { OBSEventTypes, OBSRequestTypes, OBSResponseTypes, RequestBatchRequest, ResponseMessage } from 'obs-websocket-js/json';

/** Requests that OBS does not answer in this time fail; nothing the bridge asks takes longer. */
const REQUEST_TIMEOUT_MS = 15_000;

/** Request status codes the bridge acts on (obs-websocket 5 RequestStatus). */
export const OBS_STATUS = {
  outputRunning: 500,
  outputNotRunning: 501,
  resourceNotFound: 600,
  resourceAlreadyExists: 601,
  invalidResourceState: 604,
} as const;

/** OBS answered a request with a failure status. */
export class ObsRequestError extends Error {
  constructor(
    readonly requestType: string,
    readonly code: number,
    readonly comment: string,
  ) {
    super(`OBS answered ${requestType} with ${code}${comment ? `: ${comment}` : ''}`);
    this.name = 'ObsRequestError';
  }
}

/** The connection went away while a request was in flight (OBS quit, or we closed). */
export class SessionClosedError extends Error {
  constructor(requestType: string) {
    super(`OBS connection closed before ${requestType} was answered`);
    this.name = 'SessionClosedError';
  }
}

export interface ObsVersionInfo {
  obsVersion: string;
  obsWebSocketVersion: string;
}

type EventHandler<E extends keyof OBSEventTypes> = (data: OBSEventTypes[E]) => void;

/**
 * One identified connection to OBS. obs-websocket-js leaves a request pending forever when the
 * socket closes under it; every call here fails instead (SessionClosedError) or times out, so a
 * bridge part never hangs across an OBS restart. Event handlers live as long as the session:
 * a reconnect makes a new session and the parts subscribe again.
 */
export class ObsSession {
  private open = true;
  private readonly closeWaiters = new Set<() => void>();

  constructor(
    private readonly obs: OBSWebSocket,
    readonly version: ObsVersionInfo,
  ) {}

  get isOpen(): boolean {
    return this.open;
  }

  async call<T extends keyof OBSRequestTypes>(requestType: T, requestData?: OBSRequestTypes[T]): Promise<OBSResponseTypes[T]> {
    return this.guard(requestType, async () => {
      try {
        return await this.obs.call(requestType, requestData);
      } catch (err) {
        const code = (err as { code?: unknown }).code;
        if (typeof code === 'number' && code >= 100) throw new ObsRequestError(requestType, code, (err as Error).message);
        throw err;
      }
    });
  }

  /** Several requests in one round trip, run in order; failures are in each result's status. */
  async batch(requests: RequestBatchRequest[]): Promise<ResponseMessage[]> {
    return this.guard('RequestBatch', () => this.obs.callBatch(requests));
  }

  on<E extends keyof OBSEventTypes>(event: E, handler: EventHandler<E>): void {
    // obs-websocket-js types its emitter per event; the handler matches by construction.
    (this.obs.on as (event: string, handler: (data: unknown) => void) => void)(event, (data) => {
      if (this.open) handler(data as OBSEventTypes[E]);
    });
  }

  /** Called by the bridge when the socket closed; fails every request in flight. */
  markClosed(): void {
    if (!this.open) return;
    this.open = false;
    for (const wake of this.closeWaiters) wake();
    this.closeWaiters.clear();
    this.obs.removeAllListeners();
  }

  async disconnect(): Promise<void> {
    this.markClosed();
    await this.obs.disconnect().catch(() => {});
  }

  private guard<R>(requestType: string, run: () => Promise<R>): Promise<R> {
    if (!this.open) return Promise.reject(new SessionClosedError(requestType));
    return new Promise<R>((resolve, reject) => {
      const wake = () => finish(() => reject(new SessionClosedError(requestType)));
      const timer = setTimeout(
        () => finish(() => reject(new Error(`OBS did not answer ${requestType} within ${REQUEST_TIMEOUT_MS / 1000} s`))),
        REQUEST_TIMEOUT_MS,
      );
      let settled = false;
      const finish = (settle: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.closeWaiters.delete(wake);
        settle();
      };
      this.closeWaiters.add(wake);
      run().then(
        (value) => finish(() => resolve(value)),
        (err: unknown) => finish(() => reject(err)),
      );
    });
  }
}
