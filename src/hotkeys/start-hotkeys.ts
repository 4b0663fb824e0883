import { logger } from '../log.js';
import { ACTIONS } from '../pipeline/controller/commands.js';
import type { PipelineController } from '../pipeline/controller/pipeline-controller.js';
import { resolveHotkeyBindings, type HotkeyBinding } from './hotkey-binding.js';
import { PortalHotkeys } from './portal-hotkeys.js';
import { probeXDisplay } from './x-display-probe.js';
import { X11Hotkeys } from './x11-hotkeys.js';
import { errorMessage } from '../util/error-message.js';

const log = logger('hotkeys');

export interface StartHotkeysOptions {
  controller: PipelineController;
  /** User bindings, "ctrl+alt+1=toggle:beautify" or "CHORD=none", applied over the defaults. */
  bindings: string[];
  /** The environment that says which desktop session this is (default process.env). */
  env?: NodeJS.ProcessEnv;
}

export interface Hotkeys {
  status: 'active' | 'unavailable';
  backend: 'x11' | 'portal' | 'none';
  /** One line for the log and `facemat run`'s banner: what is bound, or why nothing is. */
  detail: string;
  bindings: readonly HotkeyBinding[];
  stop(): Promise<void>;
}

/**
 * Starts global hotkeys with whatever the desktop allows: X11 key hooks (uiohook-napi) in an X11
 * session, the XDG GlobalShortcuts portal on Wayland (where grabbing keys is impossible), or,
 * when neither works, reports "unavailable" with the reason and carries on. It never hangs (each
 * backend has a timeout) and never takes the process down (the X11 hook runs in a child).
 * Throws HotkeyBindingError for a binding it cannot parse.
 */
export async function startHotkeys(options: StartHotkeysOptions): Promise<Hotkeys> {
  const bindings = resolveHotkeyBindings(options.bindings);
  const env = options.env ?? process.env;
  const { controller } = options;
  const onActivate = (b: HotkeyBinding) => {
    log.debug(`${b.chord} -> ${b.action}`);
    controller.execute(ACTIONS[b.action], 'hotkey').catch((err: unknown) => {
      log.warn(`hotkey ${b.chord} (${b.action}): ${errorMessage(err)}`);
    });
  };
  const summary = bindings.map((b) => `${b.chord}=${b.action}`).join(', ');
  const unavailable = (why: string): Hotkeys => {
    const detail = `hotkeys unavailable: ${why}; use the HTTP API or \`facemat ctl\``;
    log.warn(detail);
    return { status: 'unavailable', backend: 'none', detail, bindings, stop: async () => {} };
  };
  if (bindings.length === 0) return unavailable('no hotkeys are bound');

  const reasons: string[] = [];
  const wayland = env.XDG_SESSION_TYPE === 'wayland' || Boolean(env.WAYLAND_DISPLAY);
  if (wayland) {
    reasons.push('Wayland does not let applications grab keys (X11 hooks only see XWayland windows)');
  } else if (env.DISPLAY) {
    const probe = await probeXDisplay(env.DISPLAY);
    if (probe.ok) {
      try {
        const x11 = await X11Hotkeys.start(env.DISPLAY, bindings, onActivate);
        const detail = `global hotkeys active (X11, DISPLAY=${env.DISPLAY}): ${summary}`;
        log.info(detail);
        return { status: 'active', backend: 'x11', detail, bindings, stop: () => x11.stop() };
      } catch (err) {
        reasons.push((err as Error).message);
      }
    } else {
      reasons.push(probe.detail);
    }
  } else {
    reasons.push('no DISPLAY and no Wayland session');
  }

  if (env.DBUS_SESSION_BUS_ADDRESS) {
    try {
      let described: Record<string, string> = {};
      const portal = await PortalHotkeys.start(bindings, onActivate, {
        busAddress: env.DBUS_SESSION_BUS_ADDRESS,
        onBound: (d) => (described = d),
      });
      const shown = Object.values(described).filter(Boolean);
      const detail = `global hotkeys active (XDG GlobalShortcuts portal): ${summary}${shown.length ? ` (desktop shows: ${shown.join(', ')})` : ''}`;
      log.info(detail);
      return { status: 'active', backend: 'portal', detail, bindings, stop: () => portal.stop() };
    } catch (err) {
      reasons.push(`GlobalShortcuts portal: ${(err as Error).message}`);
    }
  } else if (wayland) {
    reasons.push('no D-Bus session bus for the GlobalShortcuts portal');
  }
  return unavailable(reasons.join('; '));
}
