import { EventEmitter } from 'node:events';
import OBSWebSocket, { EventSubscription, type OBSWebSocketError } from 'obs-websocket-js/json';
import { logger } from '../../log.js';
import { Backoff } from './backoff.js';
import { ObsSession, SessionClosedError, type ObsVersionInfo } from './obs-session.js';

const log = logger('obs-bridge');

/** A connection attempt that neither succeeds nor fails in this time is abandoned and retried. */
const CONNECT_TIMEOUT_MS = 10_000;

/** The events the parts use; the high-volume ones (meters, transforms) stay off. */
const EVENT_SUBSCRIPTIONS =
  EventSubscription.General |
  EventSubscription.Config |
  EventSubscription.Scenes |
  EventSubscription.Inputs |
  EventSubscription.Outputs |
  EventSubscription.SceneItems |
  EventSubscription.Vendors;

/** WebSocket close codes obs-websocket 5 sends that no retry can fix. */
const CLOSE_AUTHENTICATION_FAILED = 4009;
const CLOSE_UNSUPPORTED_RPC_VERSION = 4010;

/**
 * One job of the bridge (the camera input, the virtual camera, the state mirror). Each runs on
 * every new connection, so attach() must be idempotent: after an OBS restart it finds what it
 * made before instead of making it again.
 */
export interface BridgePart {
  readonly name: string;
  attach(session: ObsSession): Promise<void>;
  /** While still connected, before the bridge closes (e.g. stop what we started in OBS). */
  shutdown?(session: ObsSession): Promise<void>;
  /** After the bridge disconnected for good: release local resources. */
  close?(): Promise<void>;
}

export type BridgeState = 'connecting' | 'connected' | 'retrying' | 'failed' | 'closed';

export interface ObsBridgeOptions {
  url: string;
  password?: string;
  parts: BridgePart[];
  backoff?: Backoff;
}

interface ObsBridgeEvents {
  state: [BridgeState];
  /** Every part has run on a new connection. */
  ready: [ObsSession];
  /** A fatal error (wrong password, unsupported server): the bridge stopped trying. */
  failed: [Error];
}

/**
 * The connection to OBS: connects as an obs-websocket 5 client, runs the parts on each
 * connection, and keeps the connection up. OBS not running -> one warning, then quiet retries
 * with back-off; OBS quits or restarts -> reconnect within seconds; wrong password -> one
 * error and no more attempts, since every retry would be refused the same way.
 */
export class ObsBridge extends EventEmitter<ObsBridgeEvents> {
  private current: BridgeState = 'connecting';
  private session: ObsSession | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private readonly backoff: Backoff;
  /** An outage was reported; the next success says so. Keeps the log at one line per outage. */
  private outageReported = false;
  private connectedBefore = false;
  private obsQuitting = false;
  private failure: Error | null = null;
  private attempts = 0;

  constructor(private readonly options: ObsBridgeOptions) {
    super();
    this.backoff = options.backoff ?? new Backoff();
  }

  get state(): BridgeState {
    return this.current;
  }

  /** The current connection, or null between connections. */
  get activeSession(): ObsSession | null {
    return this.session;
  }

  /** Why the bridge stopped trying, when state is 'failed'. */
  get error(): Error | null {
    return this.failure;
  }

  /** Connection attempts so far (diagnostics; tests check there is no retry storm). */
  get connectionAttempts(): number {
    return this.attempts;
  }

  /** Makes the first attempt; resolves once it connected or failed. Retries go on in background. */
  async start(): Promise<void> {
    await this.connect();
  }

  async close(): Promise<void> {
    if (this.current === 'closed') return;
    this.setState('closed');
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const session = this.session;
    this.session = null;
    if (session?.isOpen) {
      for (const part of this.options.parts) {
        if (!part.shutdown) continue;
        await part.shutdown(session).catch((err: unknown) => this.reportPartError(part, err));
      }
      await session.disconnect();
    }
    for (const part of this.options.parts) {
      if (!part.close) continue;
      await part.close().catch((err: unknown) => this.reportPartError(part, err));
    }
  }

  private async connect(): Promise<void> {
    if (this.current === 'closed' || this.current === 'failed') return;
    this.retryTimer = null;
    this.attempts++;
    const obs = new OBSWebSocket();
    let timer: NodeJS.Timeout | undefined;
    try {
      const handshake = async (): Promise<ObsVersionInfo> => {
        const identified = await obs.connect(this.options.url, this.options.password, {
          rpcVersion: 1,
          eventSubscriptions: EVENT_SUBSCRIPTIONS,
        });
        // Hello names only obs-websocket's version; OBS's own comes from GetVersion.
        const { obsVersion } = await obs.call('GetVersion');
        return { obsVersion, obsWebSocketVersion: identified.obsWebSocketVersion };
      };
      const version = await Promise.race([
        handshake(),
        // obs-websocket-js never settles a request whose socket closed: race the close too.
        new Promise<never>((_, reject) => obs.once('ConnectionClosed', reject)),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${CONNECT_TIMEOUT_MS / 1000} s`)), CONNECT_TIMEOUT_MS);
        }),
      ]);
      clearTimeout(timer);
      if (this.isClosed()) {
        await obs.disconnect();
        return;
      }
      const session = new ObsSession(obs, version);
      await this.onConnected(obs, session);
    } catch (err) {
      clearTimeout(timer);
      await quietDisconnect(obs);
      this.onAttemptFailed(err as OBSWebSocketError);
    }
  }

  /** Re-reads the state after an await (where TypeScript would keep an outdated narrowing). */
  private isClosed(): boolean {
    return this.current === 'closed';
  }

  private async onConnected(obs: OBSWebSocket, session: ObsSession): Promise<void> {
    this.session = session;
    this.obsQuitting = false;
    this.backoff.reset();
    obs.on('ConnectionClosed', (err) => this.onConnectionLost(session, err));
    session.on('ExitStarted', () => {
      this.obsQuitting = true;
    });
    const where = `OBS ${session.version.obsVersion} (obs-websocket ${session.version.obsWebSocketVersion}) at ${this.options.url}`;
    if (this.connectedBefore) log.info(`reconnected to ${where}`);
    else log.info(`connected to ${where}`);
    this.connectedBefore = true;
    this.outageReported = false;
    this.setState('connected');
    for (const part of this.options.parts) {
      if (!session.isOpen) return;
      try {
        await part.attach(session);
      } catch (err) {
        this.reportPartError(part, err);
      }
    }
    if (session.isOpen) this.emit('ready', session);
  }

  private onConnectionLost(session: ObsSession, err: OBSWebSocketError): void {
    session.markClosed();
    if (this.session !== session) return;
    this.session = null;
    if (this.current === 'closed') return;
    if (this.obsQuitting) log.warn(`OBS quit; reconnecting as soon as it is back`);
    else log.warn(`lost the connection to OBS (${describeClose(err)}); reconnecting`);
    this.outageReported = true;
    this.backoff.reset();
    this.scheduleRetry();
  }

  private onAttemptFailed(err: OBSWebSocketError): void {
    if (this.current === 'closed') return;
    const code = typeof err?.code === 'number' ? err.code : -1;
    if (code === CLOSE_AUTHENTICATION_FAILED) {
      return this.fail(
        new Error(
          this.options.password
            ? `OBS at ${this.options.url} refused the password (obs-websocket closed with 4009 "authentication failed"). ` +
                'Check --obs-password against OBS: Tools > WebSocket Server Settings > Show Connect Info. Not retrying.'
            : `OBS at ${this.options.url} requires a password (obs-websocket closed with 4009). ` +
                'Pass --obs-password; OBS shows it under Tools > WebSocket Server Settings > Show Connect Info. Not retrying.',
        ),
      );
    }
    if (code === CLOSE_UNSUPPORTED_RPC_VERSION || /subprotocol/i.test(err?.message ?? '')) {
      return this.fail(
        new Error(
          `${this.options.url} is not an obs-websocket 5 server (${describeClose(err)}). ` +
            'OBS 28 and later have obs-websocket 5 built in; the 4.x plugin is not supported. Not retrying.',
        ),
      );
    }
    if (!this.outageReported) {
      log.warn(
        `OBS is not reachable at ${this.options.url} (${describeClose(err)}); ` +
          'is OBS running with Tools > WebSocket Server Settings > Enable WebSocket server? ' +
          'Retrying in the background with back-off (up to every 5 s); this is said once.',
      );
      this.outageReported = true;
    } else {
      log.debug(`attempt ${this.attempts} failed: ${describeClose(err)}`);
    }
    this.scheduleRetry();
  }

  private fail(error: Error): void {
    this.failure = error;
    log.error(error.message);
    this.setState('failed');
    this.emit('failed', error);
  }

  private scheduleRetry(): void {
    this.setState('retrying');
    const delay = this.backoff.next();
    this.retryTimer = setTimeout(() => void this.connect(), delay);
  }

  private setState(state: BridgeState): void {
    if (this.current === state) return;
    this.current = state;
    this.emit('state', state);
  }

  private reportPartError(part: BridgePart, err: unknown): void {
    if (err instanceof SessionClosedError) return; // the reconnect runs the part again
    log.error(`${part.name}: ${(err as Error).message ?? String(err)}`);
  }
}

/** Drops a half-open connection without waiting long for a close that may never come. */
async function quietDisconnect(obs: OBSWebSocket): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    obs.disconnect().catch(() => {}),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, 2_000);
    }),
  ]);
  clearTimeout(timer);
}

function describeClose(err: OBSWebSocketError | undefined): string {
  if (!err) return 'unknown error';
  const reason = err.message || 'no reason given';
  return typeof err.code === 'number' && err.code > 0 ? `close code ${err.code}: ${reason}` : reason;
}
