import type { ObsRequest } from '../obs-request.js';
import { RequestStatus } from '../protocol.js';
import { RequestError } from '../request-error.js';
import type { HandlerTable, RequestContext } from '../request-context.js';
import { INPUT_NAME, SCENE_ITEM_ID } from '../state-model.js';

/** Every scene holds one item, the camera, always shown, locked in place. */
export const SCENE_ITEM_HANDLERS: HandlerTable = {
  GetSceneItemList: (request, ctx) => {
    ctx.model.findScene(request);
    return { sceneItems: [ctx.model.sceneItem()] };
  },

  GetGroupSceneItemList: (request, ctx) => {
    ctx.model.findScene(request);
    throw new RequestError(RequestStatus.InvalidResourceType, 'The specified source is not a group. (Is scene)');
  },

  GetSceneItemId: (request, ctx) => {
    ctx.model.findScene(request);
    const sourceName = request.string('sourceName');
    const offset = request.contains('searchOffset') ? request.optionalNumber('searchOffset', -1) : 0;
    // With one item, only the first (0) or the last (-1) match can exist.
    if (sourceName !== INPUT_NAME || (offset !== 0 && offset !== -1)) {
      throw new RequestError(RequestStatus.ResourceNotFound, 'No scene items were found in the specified scene by that name or offset.');
    }
    return { sceneItemId: SCENE_ITEM_ID };
  },

  GetSceneItemSource: (request, ctx) => {
    sceneItem(request, ctx);
    return { sourceName: INPUT_NAME, sourceUuid: ctx.model.inputUuid };
  },

  GetSceneItemTransform: (request, ctx) => {
    sceneItem(request, ctx);
    return { sceneItemTransform: ctx.model.sceneItemTransform() };
  },

  GetSceneItemEnabled: (request, ctx) => {
    sceneItem(request, ctx);
    return { sceneItemEnabled: true };
  },

  GetSceneItemLocked: (request, ctx) => {
    sceneItem(request, ctx);
    return { sceneItemLocked: true };
  },

  GetSceneItemIndex: (request, ctx) => {
    sceneItem(request, ctx);
    return { sceneItemIndex: 0 };
  },

  GetSceneItemBlendMode: (request, ctx) => {
    sceneItem(request, ctx);
    return { sceneItemBlendMode: 'OBS_BLEND_NORMAL' };
  },
};

/** The real server's AcquireSceneItem: a scene, then `sceneItemId` in it. */
function sceneItem(request: ObsRequest, ctx: RequestContext): void {
  const scene = ctx.model.findScene(request);
  const id = request.number('sceneItemId', 0);
  if (id !== SCENE_ITEM_ID) {
    throw new RequestError(RequestStatus.ResourceNotFound, `No scene items were found in scene \`${scene.name}\` with the ID \`${id}\`.`);
  }
}
