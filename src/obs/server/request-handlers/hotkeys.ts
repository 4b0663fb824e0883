import { ACTIONS, isActionName } from '../../../pipeline/controller/commands.js';
import { RequestStatus } from '../protocol.js';
import { RequestError } from '../request-error.js';
import { INPUT_NAME } from '../state-model.js';
import type { HandlerTable } from '../request-context.js';

/** Our named actions (toggle:beautify, preset:next, ...) as OBS hotkeys. */
export const HOTKEY_HANDLERS: HandlerTable = {
  GetHotkeyList: (_request, ctx) => ({ hotkeys: ctx.model.hotkeyNames() }),

  TriggerHotkeyByName: async (request, ctx) => {
    const name = request.string('hotkeyName');
    // contextName narrows OBS's search to one source's hotkeys; every action here belongs to
    // the camera, so any context that is not the camera finds nothing.
    if (request.contains('contextName')) {
      if (request.optionalString('contextName') !== INPUT_NAME) {
        throw new RequestError(RequestStatus.ResourceNotFound, 'No hotkeys were found by that name.');
      }
    }
    if (!isActionName(name)) throw new RequestError(RequestStatus.ResourceNotFound, 'No hotkeys were found by that name.');
    await ctx.controller.execute(ACTIONS[name], 'obs-websocket');
  },
};
