import type { HandlerTable } from '../request-context.js';

/** No studio mode, and no projector windows to open on any monitor. */
export const UI_HANDLERS: HandlerTable = {
  GetStudioModeEnabled: () => ({ studioModeEnabled: false }),
  GetMonitorList: () => ({ monitors: [] }),
};
