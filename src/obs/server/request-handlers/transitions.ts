import { RequestStatus } from '../protocol.js';
import { RequestError } from '../request-error.js';
import type { HandlerTable } from '../request-context.js';
import { TRANSITION_KIND, TRANSITION_NAME } from '../state-model.js';

/** A preset switch is immediate: OBS's fixed, unconfigurable "Cut" is the only transition. */
export const TRANSITION_HANDLERS: HandlerTable = {
  GetTransitionKindList: () => ({ transitionKinds: [TRANSITION_KIND] }),

  GetSceneTransitionList: (_request, ctx) => ({
    currentSceneTransitionName: TRANSITION_NAME,
    currentSceneTransitionUuid: ctx.model.transitionUuid,
    currentSceneTransitionKind: TRANSITION_KIND,
    transitions: [
      {
        transitionName: TRANSITION_NAME,
        transitionUuid: ctx.model.transitionUuid,
        transitionKind: TRANSITION_KIND,
        transitionFixed: true,
        transitionConfigurable: false,
      },
    ],
  }),

  GetCurrentSceneTransition: (_request, ctx) => ({
    transitionName: TRANSITION_NAME,
    transitionUuid: ctx.model.transitionUuid,
    transitionKind: TRANSITION_KIND,
    transitionFixed: true,
    // OBS sends null for a fixed transition's duration and a non-configurable one's settings.
    transitionDuration: null as unknown as number,
    transitionConfigurable: false,
    transitionSettings: null as unknown as Record<string, never>,
  }),

  SetCurrentSceneTransition: (request) => {
    const name = request.string('transitionName');
    if (name !== TRANSITION_NAME) throw new RequestError(RequestStatus.ResourceNotFound, 'No scene transition was found by that name.');
  },
};
