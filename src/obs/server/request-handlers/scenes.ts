import { RequestStatus } from '../protocol.js';
import { RequestError } from '../request-error.js';
import type { HandlerTable } from '../request-context.js';

/** obs-websocket sends null for these (documented), where the published types say string. */
const NULL_STRING = null as unknown as string;

/** Scenes are our presets; the program scene is the active preset. There is no studio mode. */
export const SCENE_HANDLERS: HandlerTable = {
  GetSceneList: (_request, ctx) => {
    const program = ctx.model.programScene();
    return {
      currentProgramSceneName: program.name,
      currentProgramSceneUuid: program.uuid,
      currentPreviewSceneName: NULL_STRING,
      currentPreviewSceneUuid: NULL_STRING,
      scenes: ctx.model.sceneList(),
    };
  },

  GetGroupList: () => ({ groups: [] }),

  GetCurrentProgramScene: (_request, ctx) => {
    const { name, uuid } = ctx.model.programScene();
    return { sceneName: name, sceneUuid: uuid, currentProgramSceneName: name, currentProgramSceneUuid: uuid };
  },

  SetCurrentProgramScene: async (request, ctx) => {
    const scene = ctx.model.findScene(request);
    await ctx.controller.execute({ type: 'preset.select', name: scene.name }, 'obs-websocket');
  },

  GetCurrentPreviewScene: () => {
    throw new RequestError(RequestStatus.StudioModeNotActive, 'Studio mode is not enabled.');
  },

  SetCurrentPreviewScene: () => {
    throw new RequestError(RequestStatus.StudioModeNotActive, 'Studio mode is not enabled.');
  },

  // No scene overrides its transition.
  GetSceneSceneTransitionOverride: (request, ctx) => {
    ctx.model.findScene(request);
    return { transitionName: NULL_STRING, transitionDuration: null as unknown as number };
  },
};
