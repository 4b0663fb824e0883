import { ACTIONS, isActionName, type ActionName } from '../pipeline/controller/commands.js';
import { canonicalKeyName } from './key-names.js';

export interface Modifiers {
  ctrl: boolean;
  alt: boolean;
  shift: boolean;
  meta: boolean;
}

/** One global hotkey: a key chord and the named action (commands.ts ACTIONS) it triggers. */
export interface HotkeyBinding {
  /** Canonical chord, modifiers in the order ctrl, alt, shift, meta: "ctrl+alt+1". */
  chord: string;
  modifiers: Modifiers;
  /** Canonical key name (see key-names.ts). */
  key: string;
  action: ActionName;
}

/**
 * The bindings active unless the user overrides them. Ctrl+Alt+digit is free on the common
 * desktops (GNOME, KDE, Xfce use Ctrl+Alt+arrows, T, L, Delete).
 */
export const DEFAULT_HOTKEY_BINDINGS: readonly string[] = [
  'ctrl+alt+1=toggle:beautify',
  'ctrl+alt+2=toggle:toon',
  'ctrl+alt+3=toggle:sketch',
  'ctrl+alt+4=toggle:recolor',
  'ctrl+alt+5=toggle:anonymize',
  'ctrl+alt+6=toggle:facepaint',
  'ctrl+alt+7=toggle:matte',
  'ctrl+alt+n=preset:next',
  'ctrl+alt+p=preset:previous',
  'ctrl+alt+0=camera:pause',
  'ctrl+alt+v=virtualcam:toggle',
];

/** Raised for a binding that cannot be parsed; the message says what to write instead. */
export class HotkeyBindingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HotkeyBindingError';
  }
}

const MODIFIER_ALIASES: Record<string, keyof Modifiers> = {
  ctrl: 'ctrl',
  control: 'ctrl',
  alt: 'alt',
  shift: 'shift',
  meta: 'meta',
  super: 'meta',
  win: 'meta',
  logo: 'meta',
};

/** Parses "ctrl+alt+1" into modifiers and a canonical key. */
export function parseChord(text: string): { chord: string; modifiers: Modifiers; key: string } {
  const parts = text.trim().split('+').map((p) => p.trim());
  // "ctrl++" would split into an empty last part: the key was '+', which is not bindable.
  if (parts.some((p) => p === '')) throw new HotkeyBindingError(`"${text}" is not a key chord like "ctrl+alt+1"`);
  const modifiers: Modifiers = { ctrl: false, alt: false, shift: false, meta: false };
  for (const part of parts.slice(0, -1)) {
    const mod = MODIFIER_ALIASES[part.toLowerCase()];
    if (!mod) throw new HotkeyBindingError(`"${part}" in "${text}" is not a modifier (ctrl, alt, shift, meta)`);
    if (modifiers[mod]) throw new HotkeyBindingError(`"${text}" names ${mod} twice`);
    modifiers[mod] = true;
  }
  const keyText = parts[parts.length - 1];
  const key = canonicalKeyName(keyText);
  if (!key) {
    throw new HotkeyBindingError(
      `"${keyText}" in "${text}" is not a key name (letters, digits, f1-f24, numpad0-9, space, enter, escape, arrows, ...)`,
    );
  }
  // A bare printable key grabbed system-wide would fire while typing in the video call's chat.
  const printable = key.length === 1 || ['space', 'comma', 'period', 'slash', 'semicolon', 'quote', 'backquote', 'minus', 'equal', 'bracketleft', 'bracketright', 'backslash'].includes(key);
  if (printable && !modifiers.ctrl && !modifiers.alt && !modifiers.meta) {
    throw new HotkeyBindingError(`"${text}" would fire while typing: add ctrl, alt or meta`);
  }
  const chord = [...(['ctrl', 'alt', 'shift', 'meta'] as const).filter((m) => modifiers[m]), key].join('+');
  return { chord, modifiers, key };
}

/**
 * Parses "CHORD=ACTION" (e.g. "ctrl+alt+1=toggle:beautify"). ACTION is an ACTIONS name, or
 * "none" to remove a default binding (returns action null).
 */
export function parseHotkeyBinding(text: string): Omit<HotkeyBinding, 'action'> & { action: ActionName | null } {
  const eq = text.lastIndexOf('=');
  if (eq <= 0) throw new HotkeyBindingError(`hotkey "${text}" must look like "ctrl+alt+1=toggle:beautify"`);
  const chord = parseChord(text.slice(0, eq));
  const action = text.slice(eq + 1).trim();
  if (action === 'none') return { ...chord, action: null };
  if (!isActionName(action)) {
    throw new HotkeyBindingError(`hotkey "${text}": unknown action "${action}" (actions: ${Object.keys(ACTIONS).join(', ')}, none)`);
  }
  return { ...chord, action };
}

/**
 * The effective bindings: the defaults, then each user binding in order, which replaces any
 * binding of the same chord ("CHORD=none" removes it).
 */
export function resolveHotkeyBindings(user: readonly string[], defaults: readonly string[] = DEFAULT_HOTKEY_BINDINGS): HotkeyBinding[] {
  const byChord = new Map<string, HotkeyBinding>();
  for (const text of defaults) {
    const b = parseHotkeyBinding(text);
    if (b.action) byChord.set(b.chord, { ...b, action: b.action });
  }
  for (const text of user) {
    const b = parseHotkeyBinding(text);
    byChord.delete(b.chord);
    if (b.action) byChord.set(b.chord, { ...b, action: b.action });
  }
  return [...byChord.values()];
}
