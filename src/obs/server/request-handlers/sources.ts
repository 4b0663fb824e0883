import type { HandlerTable } from '../request-context.js';

/** Source state: the camera shows unless paused; a scene is active while it is the program scene. */
export const SOURCE_HANDLERS: HandlerTable = {
  GetSourceActive: (request, ctx) => {
    const source = ctx.model.findSource(request, 'sourceName', 'sourceUuid');
    const active = source.type === 'input' ? ctx.model.inputActive() : ctx.model.programScene().uuid === source.uuid;
    return { videoActive: active, videoShowing: active };
  },
};
