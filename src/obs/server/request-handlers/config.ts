import { PROFILE_NAME, SCENE_COLLECTION_NAME } from '../state-model.js';
import type { HandlerTable } from '../request-context.js';

/**
 * Config requests. We have one configuration and one set of presets, shown as one profile and
 * one scene collection; we neither stream nor record, so those settings are empty.
 */
export const CONFIG_HANDLERS: HandlerTable = {
  GetProfileList: () => ({ currentProfileName: PROFILE_NAME, profiles: [PROFILE_NAME] }),

  GetSceneCollectionList: () => ({ currentSceneCollectionName: SCENE_COLLECTION_NAME, sceneCollections: [SCENE_COLLECTION_NAME] }),

  GetVideoSettings: (_request, ctx) => {
    const { width, height } = ctx.model.videoSize();
    return { ...ctx.model.fps(), baseWidth: width, baseHeight: height, outputWidth: width, outputHeight: height };
  },

  // No streaming service is configured: a custom server with no settings.
  GetStreamServiceSettings: () => ({ streamServiceType: 'rtmp_custom', streamServiceSettings: {} }),

  // Nothing is recorded, so there is no recording directory.
  GetRecordDirectory: () => ({ recordDirectory: '' }),
};
