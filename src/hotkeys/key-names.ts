/**
 * The keys a hotkey binding may name, with their libuiohook key codes (uiohook-napi's UiohookKey
 * values, the VC_* constants of libuiohook) and XKB keysym names (what the XDG GlobalShortcuts
 * portal expects in a preferred trigger). Kept here as data so parsing a binding never loads
 * the native hook.
 */
export interface KeyInfo {
  uiohook: number;
  xkb: string;
}

const LETTERS: Record<string, number> = {
  a: 0x1e, b: 0x30, c: 0x2e, d: 0x20, e: 0x12, f: 0x21, g: 0x22, h: 0x23, i: 0x17, j: 0x24, k: 0x25, l: 0x26, m: 0x32,
  n: 0x31, o: 0x18, p: 0x19, q: 0x10, r: 0x13, s: 0x1f, t: 0x14, u: 0x16, v: 0x2f, w: 0x11, x: 0x2d, y: 0x15, z: 0x2c,
};
const DIGITS = [0x0b, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a];
const FUNCTION_KEYS = [
  0x3b, 0x3c, 0x3d, 0x3e, 0x3f, 0x40, 0x41, 0x42, 0x43, 0x44, 0x57, 0x58, 0x5b, 0x5c, 0x5d, 0x63, 0x64, 0x65, 0x66, 0x67,
  0x68, 0x69, 0x6a, 0x6b,
];
const NUMPAD = [0x52, 0x4f, 0x50, 0x51, 0x4b, 0x4c, 0x4d, 0x47, 0x48, 0x49];

const NAMED: Record<string, KeyInfo> = {
  space: { uiohook: 0x39, xkb: 'space' },
  enter: { uiohook: 0x1c, xkb: 'Return' },
  tab: { uiohook: 0x0f, xkb: 'Tab' },
  escape: { uiohook: 0x01, xkb: 'Escape' },
  backspace: { uiohook: 0x0e, xkb: 'BackSpace' },
  insert: { uiohook: 0x0e52, xkb: 'Insert' },
  delete: { uiohook: 0x0e53, xkb: 'Delete' },
  home: { uiohook: 0x0e47, xkb: 'Home' },
  end: { uiohook: 0x0e4f, xkb: 'End' },
  pageup: { uiohook: 0x0e49, xkb: 'Prior' },
  pagedown: { uiohook: 0x0e51, xkb: 'Next' },
  up: { uiohook: 0xe048, xkb: 'Up' },
  down: { uiohook: 0xe050, xkb: 'Down' },
  left: { uiohook: 0xe04b, xkb: 'Left' },
  right: { uiohook: 0xe04d, xkb: 'Right' },
  comma: { uiohook: 0x33, xkb: 'comma' },
  period: { uiohook: 0x34, xkb: 'period' },
  slash: { uiohook: 0x35, xkb: 'slash' },
  semicolon: { uiohook: 0x27, xkb: 'semicolon' },
  quote: { uiohook: 0x28, xkb: 'apostrophe' },
  backquote: { uiohook: 0x29, xkb: 'grave' },
  minus: { uiohook: 0x0c, xkb: 'minus' },
  equal: { uiohook: 0x0d, xkb: 'equal' },
  bracketleft: { uiohook: 0x1a, xkb: 'bracketleft' },
  bracketright: { uiohook: 0x1b, xkb: 'bracketright' },
  backslash: { uiohook: 0x2b, xkb: 'backslash' },
};

/** Alternative spellings people type. */
const ALIASES: Record<string, string> = {
  esc: 'escape',
  return: 'enter',
  del: 'delete',
  ins: 'insert',
  pgup: 'pageup',
  pgdn: 'pagedown',
  ',': 'comma',
  '.': 'period',
  '/': 'slash',
  ';': 'semicolon',
  "'": 'quote',
  '`': 'backquote',
  '-': 'minus',
  '=': 'equal',
  '[': 'bracketleft',
  ']': 'bracketright',
  '\\': 'backslash',
};

function buildKeyTable(): ReadonlyMap<string, KeyInfo> {
  const keys = new Map<string, KeyInfo>();
  for (const [name, code] of Object.entries(LETTERS)) keys.set(name, { uiohook: code, xkb: name });
  DIGITS.forEach((code, digit) => keys.set(String(digit), { uiohook: code, xkb: String(digit) }));
  FUNCTION_KEYS.forEach((code, i) => keys.set(`f${i + 1}`, { uiohook: code, xkb: `F${i + 1}` }));
  NUMPAD.forEach((code, digit) => keys.set(`numpad${digit}`, { uiohook: code, xkb: `KP_${digit}` }));
  for (const [name, info] of Object.entries(NAMED)) keys.set(name, info);
  return keys;
}

const KEYS = buildKeyTable();

/** The canonical name of a key ("Esc" -> "escape"), or undefined when unknown. */
export function canonicalKeyName(name: string): string | undefined {
  const lower = name.toLowerCase();
  const canonical = ALIASES[lower] ?? lower;
  return KEYS.has(canonical) ? canonical : undefined;
}

export function keyInfo(canonicalName: string): KeyInfo {
  const info = KEYS.get(canonicalName);
  if (!info) throw new Error(`unknown key "${canonicalName}"`);
  return info;
}
