import { logger } from '../../log.js';
import { OBS_STATUS, ObsRequestError, type ObsSession } from './obs-session.js';
import { inputNames } from './ownership.js';

const log = logger('obs-bridge');

/** How long to wait for a removed input's name to be free again. */
const REMOVAL_WAIT_MS = 5_000;

/** OBS_ALIGN_LEFT | OBS_ALIGN_TOP. */
const ALIGN_TOP_LEFT = 5;

/** Creates the scene when it does not exist; returns whether it was created. */
export async function ensureScene(session: ObsSession, sceneName: string): Promise<boolean> {
  const { scenes } = await session.call('GetSceneList');
  if (scenes.some((scene) => scene.sceneName === sceneName)) return false;
  try {
    await session.call('CreateScene', { sceneName });
  } catch (err) {
    // Someone else made it between the two requests: fine, it exists.
    if (err instanceof ObsRequestError && err.code === OBS_STATUS.resourceAlreadyExists) return false;
    throw err;
  }
  log.info(`created scene "${sceneName}" in OBS`);
  return true;
}

/** The scene item showing `sourceName` in `sceneName`, or null when the scene does not show it. */
export async function findSceneItem(session: ObsSession, sceneName: string, sourceName: string): Promise<number | null> {
  try {
    const { sceneItemId } = await session.call('GetSceneItemId', { sceneName, sourceName });
    return sceneItemId;
  } catch (err) {
    if (err instanceof ObsRequestError && err.code === OBS_STATUS.resourceNotFound) return null;
    throw err;
  }
}

/** Names of the scenes that show `sourceName` (one batch round trip). */
export async function scenesShowing(session: ObsSession, sourceName: string): Promise<string[]> {
  const { scenes } = await session.call('GetSceneList');
  const names = scenes.map((scene) => String(scene.sceneName));
  if (names.length === 0) return [];
  const results = await session.batch(
    names.map((sceneName) => ({ requestType: 'GetSceneItemId' as const, requestData: { sceneName, sourceName } })),
  );
  return names.filter((_, i) => results[i].requestStatus.result);
}

/** Stretches a scene item to fill the canvas, keeping its aspect ratio. */
export async function fitToCanvas(session: ObsSession, sceneName: string, sceneItemId: number): Promise<void> {
  const video = await session.call('GetVideoSettings');
  await session.call('SetSceneItemTransform', {
    sceneName,
    sceneItemId,
    sceneItemTransform: {
      positionX: 0,
      positionY: 0,
      alignment: ALIGN_TOP_LEFT,
      boundsType: 'OBS_BOUNDS_SCALE_INNER',
      boundsAlignment: 0,
      boundsWidth: video.baseWidth,
      boundsHeight: video.baseHeight,
    },
  });
}

/**
 * Removes one of our inputs for good. RemoveInput alone is not enough in OBS 29: an input shown
 * only in scenes that are not live stays listed (name taken) until such a scene is shown again.
 * Removing its scene items first releases it at once.
 */
export async function removeInput(session: ObsSession, inputName: string): Promise<void> {
  for (const sceneName of await scenesShowing(session, inputName)) {
    let sceneItemId: number | null;
    while ((sceneItemId = await findSceneItem(session, sceneName, inputName)) !== null) {
      await session.call('RemoveSceneItem', { sceneName, sceneItemId });
    }
  }
  try {
    await session.call('RemoveInput', { inputName });
  } catch (err) {
    // Removing its last scene item already destroyed it.
    if (!(err instanceof ObsRequestError && err.code === OBS_STATUS.resourceNotFound)) throw err;
  }
  const deadline = Date.now() + REMOVAL_WAIT_MS;
  while (Date.now() < deadline && (await inputNames(session)).has(inputName)) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
