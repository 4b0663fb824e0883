import type { ObsRequest } from '../obs-request.js';
import { RequestStatus } from '../protocol.js';
import { RequestError } from '../request-error.js';
import type { HandlerTable } from '../request-context.js';
import { VIRTUALCAM_OUTPUT_NAME, timecode } from '../state-model.js';

/**
 * Outputs: our virtual camera is OBS's virtual cam output (virtualcam_output); starting and
 * stopping it are controller commands, so the v4l2 sink really starts and stops. We neither
 * stream, record nor keep a replay buffer: those report inactive, and their actions are not
 * implemented (204).
 */
export const OUTPUT_HANDLERS: HandlerTable = {
  GetVirtualCamStatus: (_request, ctx) => ({ outputActive: ctx.model.virtualcamActive() }),

  ToggleVirtualCam: async (_request, ctx) => {
    await ctx.controller.execute({ type: 'virtualcam.toggle' }, 'obs-websocket');
    return { outputActive: ctx.model.virtualcamActive() };
  },

  StartVirtualCam: async (_request, ctx) => {
    await ctx.controller.execute({ type: 'virtualcam.start' }, 'obs-websocket');
  },

  StopVirtualCam: async (_request, ctx) => {
    await ctx.controller.execute({ type: 'virtualcam.stop' }, 'obs-websocket');
  },

  GetOutputList: (_request, ctx) => ({ outputs: [ctx.model.virtualcamOutput()] }),

  GetOutputStatus: (request, ctx) => {
    virtualcamOutput(request);
    return ctx.model.virtualcamStatus();
  },

  ToggleOutput: async (request, ctx) => {
    virtualcamOutput(request);
    await ctx.controller.execute({ type: 'virtualcam.toggle' }, 'obs-websocket');
    return { outputActive: ctx.model.virtualcamActive() };
  },

  StartOutput: async (request, ctx) => {
    virtualcamOutput(request);
    await ctx.controller.execute({ type: 'virtualcam.start' }, 'obs-websocket');
  },

  StopOutput: async (request, ctx) => {
    virtualcamOutput(request);
    await ctx.controller.execute({ type: 'virtualcam.stop' }, 'obs-websocket');
  },

  GetOutputSettings: (request, ctx) => {
    virtualcamOutput(request);
    return { outputSettings: { device: ctx.model.state().virtualcam.detail } };
  },

  GetStreamStatus: () => ({
    outputActive: false,
    outputReconnecting: false,
    outputTimecode: timecode(0),
    outputDuration: 0,
    outputCongestion: 0,
    outputBytes: 0,
    outputSkippedFrames: 0,
    outputTotalFrames: 0,
  }),

  GetRecordStatus: () => ({
    outputActive: false,
    outputPaused: false,
    outputTimecode: timecode(0),
    outputDuration: 0,
    outputBytes: 0,
  }),

  GetReplayBufferStatus: () => ({ outputActive: false }),
};

/** The real server's AcquireOutput, with one output to find. */
function virtualcamOutput(request: ObsRequest): void {
  const name = request.string('outputName');
  if (name !== VIRTUALCAM_OUTPUT_NAME) throw new RequestError(RequestStatus.ResourceNotFound, `No output was found with the name \`${name}\`.`);
}
