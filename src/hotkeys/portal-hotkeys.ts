import { randomBytes } from 'node:crypto';
import dbus from 'dbus-next';
import type { HotkeyBinding } from './hotkey-binding.js';
import { keyInfo } from './key-names.js';

const PORTAL_NAME = 'org.freedesktop.portal.Desktop';
const PORTAL_PATH = '/org/freedesktop/portal/desktop';
const SHORTCUTS_IFACE = 'org.freedesktop.portal.GlobalShortcuts';
const REQUEST_IFACE = 'org.freedesktop.portal.Request';
const SESSION_IFACE = 'org.freedesktop.portal.Session';

/** Seconds to wait for each portal step. Binding may show the user a dialog, so it waits longer. */
const TIMEOUTS_MS = { call: 5000, createSession: 10_000, bind: 60_000 };

export interface PortalOptions {
  /** D-Bus session bus address (default: $DBUS_SESSION_BUS_ADDRESS). */
  busAddress?: string;
  /** Called with how the desktop shows each bound shortcut, e.g. "Ctrl+Alt+1". */
  onBound?: (descriptions: Record<string, string>) => void;
  /** Overrides of the per-step time limits (TIMEOUTS_MS). */
  timeoutsMs?: Partial<typeof TIMEOUTS_MS>;
}

/** The portal's trigger syntax (XDG shortcuts spec): "CTRL+ALT+1", "LOGO+F1". */
export function portalTrigger(binding: HotkeyBinding): string {
  const mods = [binding.modifiers.ctrl && 'CTRL', binding.modifiers.alt && 'ALT', binding.modifiers.shift && 'SHIFT', binding.modifiers.meta && 'LOGO'];
  return [...mods.filter(Boolean), keyInfo(binding.key).xkb].join('+');
}

/** Shortcut ids are our chords; the portal wants plain identifiers. */
function shortcutId(binding: HotkeyBinding): string {
  return `facemat-${binding.chord.replace(/\+/g, '-')}`;
}

/**
 * Global hotkeys on Wayland through the XDG Desktop Portal GlobalShortcuts interface
 * (org.freedesktop.portal.GlobalShortcuts, version 1): CreateSession, BindShortcuts, then
 * Activated signals. The compositor owns the keys; the user may be asked to confirm or change
 * them. Speaks raw D-Bus messages so it needs nothing but the bus.
 */
export class PortalHotkeys {
  private constructor(
    private readonly bus: dbus.MessageBus,
    private readonly sessionHandle: string,
  ) {}

  static async start(bindings: readonly HotkeyBinding[], onActivate: (binding: HotkeyBinding) => void, options: PortalOptions = {}): Promise<PortalHotkeys> {
    const busAddress = options.busAddress ?? process.env.DBUS_SESSION_BUS_ADDRESS;
    if (!busAddress) throw new Error('no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set)');
    const timeouts = { ...TIMEOUTS_MS, ...options.timeoutsMs };
    const bus = dbus.sessionBus({ busAddress });
    // dbus-next reports connection failures as 'error' events; without a listener they would throw.
    const connectionError = new Promise<never>((_, reject) => bus.on('error', (err: Error) => reject(new Error(`D-Bus: ${err.message}`))));
    connectionError.catch(() => {});
    try {
      const portal = await Promise.race([PortalSession.open(bus, timeouts), connectionError]);
      const byId = new Map(bindings.map((b) => [shortcutId(b), b]));
      bus.on('message', (msg: dbus.Message) => {
        if (msg.type !== dbus.MessageType.SIGNAL || msg.interface !== SHORTCUTS_IFACE || msg.member !== 'Activated') return;
        const [session, id] = msg.body as [string, string];
        const binding = session === portal.sessionHandle ? byId.get(id) : undefined;
        if (binding) onActivate(binding);
      });
      const shortcuts = bindings.map((b) => [shortcutId(b), { description: new dbus.Variant('s', `facemat-cam: ${b.action}`), preferred_trigger: new dbus.Variant('s', portalTrigger(b)) }]);
      const results = await Promise.race([portal.request('BindShortcuts', 'oa(sa{sv})sa{sv}', [portal.sessionHandle, shortcuts, '', {}], timeouts.bind), connectionError]);
      const bound = (results.shortcuts?.value ?? []) as Array<[string, Record<string, dbus.Variant>]>;
      options.onBound?.(Object.fromEntries(bound.map(([id, props]) => [id, String(props.trigger_description?.value ?? '')])));
      return new PortalHotkeys(bus, portal.sessionHandle);
    } catch (err) {
      bus.disconnect();
      throw err;
    }
  }

  async stop(): Promise<void> {
    try {
      await withTimeout(
        this.bus.call(new dbus.Message({ destination: PORTAL_NAME, path: this.sessionHandle, interface: SESSION_IFACE, member: 'Close' })),
        TIMEOUTS_MS.call,
        'Session.Close',
      );
    } catch {
      // The session ends with our bus connection anyway.
    }
    this.bus.disconnect();
  }
}

/** One GlobalShortcuts session and the portal's request/response dance around each call. */
class PortalSession {
  private constructor(
    private readonly bus: dbus.MessageBus,
    readonly sessionHandle: string,
    private readonly timeouts: typeof TIMEOUTS_MS,
  ) {}

  static async open(bus: dbus.MessageBus, timeouts: typeof TIMEOUTS_MS): Promise<PortalSession> {
    await withTimeout(
      bus.call(
        new dbus.Message({
          destination: 'org.freedesktop.DBus',
          path: '/org/freedesktop/DBus',
          interface: 'org.freedesktop.DBus',
          member: 'AddMatch',
          signature: 's',
          body: [`type='signal',sender='${PORTAL_NAME}'`],
        }),
      ),
      timeouts.call,
      'connecting to the D-Bus session bus',
    );
    const probe = new PortalSession(bus, '', timeouts);
    const results = await probe.request('CreateSession', 'a{sv}', [{ session_handle_token: new dbus.Variant('s', token()) }], timeouts.createSession);
    const handle = results.session_handle?.value;
    if (typeof handle !== 'string' || handle === '') throw new Error('the portal created no GlobalShortcuts session');
    return new PortalSession(bus, handle, timeouts);
  }

  /**
   * Calls a GlobalShortcuts method that answers through a Request object's Response signal and
   * resolves with the response's results (rejects when the user or portal declines).
   */
  async request(member: string, signature: string, body: unknown[], timeoutMs: number): Promise<Record<string, dbus.Variant>> {
    const handleToken = token();
    const options = body[body.length - 1] as Record<string, dbus.Variant>;
    options.handle_token = new dbus.Variant('s', handleToken);
    let requestPath = '';
    const early: dbus.Message[] = [];
    let onResponse: ((msg: dbus.Message) => void) | undefined;
    // The Response may arrive before the method reply names the request path: keep them all.
    const listener = (msg: dbus.Message) => {
      if (msg.type !== dbus.MessageType.SIGNAL || msg.interface !== REQUEST_IFACE || msg.member !== 'Response') return;
      if (onResponse) onResponse(msg);
      else early.push(msg);
    };
    this.bus.on('message', listener);
    try {
      const reply = await withTimeout(
        this.bus.call(new dbus.Message({ destination: PORTAL_NAME, path: PORTAL_PATH, interface: SHORTCUTS_IFACE, member, signature, body })),
        this.timeouts.call,
        member,
      ).catch((err: Error) => {
        throw new Error(describeCallError(err));
      });
      requestPath = (reply?.body[0] as string) ?? '';
      const response = await withTimeout(
        new Promise<dbus.Message>((resolve) => {
          const matches = (msg: dbus.Message) => msg.path === requestPath || msg.path.endsWith('/' + handleToken);
          const found = early.find(matches);
          if (found) resolve(found);
          else onResponse = (msg) => matches(msg) && resolve(msg);
        }),
        timeoutMs,
        `${member} (no answer from the portal)`,
      );
      const [code, results] = response.body as [number, Record<string, dbus.Variant>];
      if (code !== 0) throw new Error(`${member} was ${code === 1 ? 'cancelled by the user' : 'refused by the portal'}`);
      return results;
    } finally {
      this.bus.off('message', listener);
    }
  }
}

function describeCallError(err: Error & { type?: string }): string {
  if (err.type === 'org.freedesktop.DBus.Error.ServiceUnknown') return 'no XDG desktop portal on the session bus';
  if (err.type === 'org.freedesktop.DBus.Error.UnknownMethod' || err.type === 'org.freedesktop.DBus.Error.UnknownInterface') {
    return "this desktop's portal does not offer GlobalShortcuts";
  }
  return `portal: ${err.message}`;
}

function token(): string {
  return 'facemat_' + randomBytes(6).toString('hex');
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms / 1000} s`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
