import type { ObsRequest } from '../obs-request.js';
import { RequestStatus } from '../protocol.js';
import { RequestError } from '../request-error.js';
import type { HandlerTable, RequestContext } from '../request-context.js';
import { INPUT_KIND, INPUT_KIND_CAPS, INPUT_NAME } from '../state-model.js';

const NULL_STRING = null as unknown as string;

/**
 * One input, the camera. It has no OBS-style settings (its options are our filters, and the
 * rest is reached through the "facemat" vendor requests) and no audio: audio requests get the
 * real server's answer for a video-only source, 602 "does not support audio", which
 * controllers such as Companion expect and ignore.
 */
export const INPUT_HANDLERS: HandlerTable = {
  GetInputList: (request, ctx) => {
    const kind = request.contains('inputKind') ? request.optionalString('inputKind', true) : '';
    const inputs = [
      { inputName: INPUT_NAME, inputUuid: ctx.model.inputUuid, inputKind: INPUT_KIND, unversionedInputKind: INPUT_KIND, inputKindCaps: INPUT_KIND_CAPS },
    ];
    return { inputs: kind === '' ? inputs : inputs.filter((i) => i.inputKind === kind) };
  },

  GetInputKindList: (request) => {
    if (request.contains('unversioned')) request.optionalBoolean('unversioned');
    return { inputKinds: [INPUT_KIND] };
  },

  // No audio devices at all, so every special input is unset, which OBS reports as null.
  GetSpecialInputs: () => ({
    desktop1: NULL_STRING,
    desktop2: NULL_STRING,
    mic1: NULL_STRING,
    mic2: NULL_STRING,
    mic3: NULL_STRING,
    mic4: NULL_STRING,
  }),

  GetInputDefaultSettings: (request) => {
    const kind = request.string('inputKind');
    if (kind !== INPUT_KIND) throw new RequestError(RequestStatus.InvalidInputKind, 'The specified input kind does not exist.');
    return { defaultInputSettings: {} };
  },

  GetInputSettings: (request, ctx) => {
    ctx.model.findInput(request);
    return { inputSettings: {}, inputKind: INPUT_KIND };
  },

  GetInputDeinterlaceMode: (request, ctx) => {
    ctx.model.findInput(request);
    return { inputDeinterlaceMode: 'OBS_DEINTERLACE_MODE_DISABLE' };
  },

  GetInputDeinterlaceFieldOrder: (request, ctx) => {
    ctx.model.findInput(request);
    return { inputDeinterlaceFieldOrder: 'OBS_DEINTERLACE_FIELD_ORDER_TOP' };
  },

  GetInputMute: noAudio,
  SetInputMute: noAudio,
  ToggleInputMute: noAudio,
  GetInputVolume: noAudio,
  SetInputVolume: noAudio,
  GetInputAudioBalance: noAudio,
  SetInputAudioBalance: noAudio,
  GetInputAudioSyncOffset: noAudio,
  SetInputAudioSyncOffset: noAudio,
  GetInputAudioMonitorType: noAudio,
  SetInputAudioMonitorType: noAudio,
  GetInputAudioTracks: noAudio,
  SetInputAudioTracks: noAudio,
};

function noAudio(request: ObsRequest, ctx: RequestContext): never {
  ctx.model.findInput(request);
  throw new RequestError(RequestStatus.InvalidResourceType, 'The specified input does not support audio.');
}
