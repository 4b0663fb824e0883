import type { ObsSession } from './obs-session.js';

/**
 * How the bridge recognises what it created in OBS: every input it makes carries two extra keys
 * in its input settings. OBS keeps unknown keys in the scene collection, so the mark survives
 * OBS restarts and renames, and the bridge finds its inputs by the mark, never by name. Inputs
 * without the mark are the user's and are never changed or removed.
 *
 *   "facemat_cam_owner": "facemat-cam"
 *   "facemat_cam_role":  "camera" | "control:<action>"
 */
export const OWNER_KEY = 'facemat_cam_owner';
export const OWNER_VALUE = 'facemat-cam';
export const ROLE_KEY = 'facemat_cam_role';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonSettings = { [key: string]: JsonValue };

export interface OwnedInput {
  name: string;
  kind: string;
  role: string;
  settings: JsonSettings;
}

/** The settings keys that mark an input as ours, with the role it plays. */
export function ownershipMark(role: string): JsonSettings {
  return { [OWNER_KEY]: OWNER_VALUE, [ROLE_KEY]: role };
}

function isOwned(settings: JsonSettings): boolean {
  return settings[OWNER_KEY] === OWNER_VALUE && typeof settings[ROLE_KEY] === 'string';
}

/** Every input in the current scene collection that carries our mark (one batch round trip). */
export async function findOwnedInputs(session: ObsSession): Promise<OwnedInput[]> {
  const { inputs } = await session.call('GetInputList');
  if (inputs.length === 0) return [];
  const names = inputs.map((input) => String(input.inputName));
  const results = await session.batch(
    names.map((inputName) => ({ requestType: 'GetInputSettings' as const, requestData: { inputName } })),
  );
  const owned: OwnedInput[] = [];
  results.forEach((result, i) => {
    if (!result.requestStatus.result) return; // removed between the two requests
    const data = (result as { responseData?: { inputSettings?: JsonSettings; inputKind?: string } }).responseData;
    const settings = data?.inputSettings ?? {};
    if (!isOwned(settings)) return;
    owned.push({ name: names[i], kind: String(data?.inputKind ?? ''), role: String(settings[ROLE_KEY]), settings });
  });
  return owned;
}

/** Names of every input, ours or not, to pick a name nobody uses. */
export async function inputNames(session: ObsSession): Promise<Set<string>> {
  const { inputs } = await session.call('GetInputList');
  return new Set(inputs.map((input) => String(input.inputName)));
}

/** `base`, or `base 2`, `base 3`... whichever is free: a user's input of the same name stays. */
export function freeName(base: string, taken: ReadonlySet<string>): string {
  if (!taken.has(base)) return base;
  for (let i = 2; ; i++) {
    const name = `${base} ${i}`;
    if (!taken.has(name)) return name;
  }
}
