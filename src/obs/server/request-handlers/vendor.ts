import { ACTIONS, isActionName } from '../../../pipeline/controller/commands.js';
import { FILTERS, FILTER_NAMES, isFilterName, type FilterName, type FilterSettings } from '../../../pipeline/filter-settings/filter-catalogue.js';
import { ObsRequest } from '../obs-request.js';
import { RequestBatchExecutionType, RequestStatus, type JsonObject } from '../protocol.js';
import { RequestError } from '../request-error.js';
import type { HandlerTable, RequestContext } from '../request-context.js';

/** Our vendor name for CallVendorRequest and VendorEvent. */
export const VENDOR_NAME = 'facemat';

type VendorRequestHandler = (data: ObsRequest, ctx: RequestContext) => JsonObject | Promise<JsonObject>;

const MATTE_VIEWS = ['alpha', 'uncertainty', 'split'];

/**
 * Everything specific to facemat-cam, under vendor "facemat". Field errors answer with the
 * same status codes as standard requests (a real OBS vendor cannot fail a request; we can, so
 * a stream deck button with a typo says what is wrong).
 */
export const VENDOR_REQUESTS: Readonly<Record<string, VendorRequestHandler>> = {
  GetState: (_data, ctx) => ({ ...ctx.controller.state() }),

  GetModelInfo: (_data, ctx) => {
    const { model, provider, source, format } = ctx.controller.state().info;
    return { model, provider, source, format: { ...format } };
  },

  GetMetrics: (_data, ctx) => ({ metrics: ctx.controller.metrics() }),

  GetFilterCatalogue: () => ({ filters: FILTER_NAMES.map((n) => ({ ...FILTERS[n], params: { ...FILTERS[n].params } })) }),

  GetActions: () => ({ actions: Object.keys(ACTIONS) }),

  SetFilterEnabled: async (data, ctx) => {
    const name = filterName(data);
    const enabled = data.boolean('enabled');
    await ctx.controller.execute({ type: 'filter.enable', name, enabled }, 'obs-websocket');
    return { filter: name, enabled };
  },

  ToggleFilter: async (data, ctx) => {
    const name = filterName(data);
    await ctx.controller.execute({ type: 'filter.toggle', name }, 'obs-websocket');
    return { filter: name, enabled: ctx.controller.state().filters.find((f) => f.name === name)!.enabled };
  },

  SetFilterSettings: async (data, ctx) => {
    const name = filterName(data);
    const settings = data.object('settings') as FilterSettings;
    await ctx.controller.execute({ type: 'filter.settings', name, settings }, 'obs-websocket');
    return { filter: name, settings: { ...ctx.controller.state().filters.find((f) => f.name === name)!.settings } };
  },

  MoveFilter: async (data, ctx) => {
    const name = filterName(data);
    const index = data.number('index', 0);
    await ctx.controller.execute({ type: 'filter.move', name, index }, 'obs-websocket');
    return { order: ctx.controller.state().filters.map((f) => f.name) };
  },

  SelectPreset: async (data, ctx) => {
    await ctx.controller.execute({ type: 'preset.select', name: data.string('preset') }, 'obs-websocket');
    return { preset: ctx.controller.state().preset };
  },

  NextPreset: async (_data, ctx) => {
    await ctx.controller.execute({ type: 'preset.next' }, 'obs-websocket');
    return { preset: ctx.controller.state().preset };
  },

  PreviousPreset: async (_data, ctx) => {
    await ctx.controller.execute({ type: 'preset.previous' }, 'obs-websocket');
    return { preset: ctx.controller.state().preset };
  },

  /** The matte debug view: on/off, and optionally what it shows (alpha, uncertainty, split). */
  SetMatteView: async (data, ctx) => {
    const enabled = data.boolean('enabled');
    if (data.contains('view')) {
      const view = data.optionalString('view');
      if (!MATTE_VIEWS.includes(view)) {
        throw new RequestError(RequestStatus.InvalidRequestField, `view must be one of ${MATTE_VIEWS.join(', ')}`);
      }
      await ctx.controller.execute({ type: 'filter.settings', name: 'matte', settings: { view } }, 'obs-websocket');
    }
    await ctx.controller.execute({ type: 'filter.enable', name: 'matte', enabled }, 'obs-websocket');
    const matte = ctx.controller.state().filters.find((f) => f.name === 'matte')!;
    return { enabled: matte.enabled, view: matte.settings.view };
  },

  SetCameraPaused: async (data, ctx) => {
    const paused = data.contains('paused') ? data.optionalBoolean('paused') : undefined;
    await ctx.controller.execute({ type: 'camera.pause', paused }, 'obs-websocket');
    return { paused: ctx.controller.state().paused };
  },

  TriggerAction: async (data, ctx) => {
    const action = data.string('action');
    if (!isActionName(action)) {
      throw new RequestError(RequestStatus.ResourceNotFound, `no action "${action}" (actions: ${Object.keys(ACTIONS).join(', ')})`);
    }
    await ctx.controller.execute(ACTIONS[action], 'obs-websocket');
    return { action };
  },
};

export const VENDOR_HANDLERS: HandlerTable = {
  CallVendorRequest: async (request, ctx) => {
    const vendorName = request.string('vendorName');
    const requestType = request.string('requestType');
    const requestData = request.contains('requestData') ? request.optionalObject('requestData', true) : {};
    if (vendorName !== VENDOR_NAME) throw new RequestError(RequestStatus.ResourceNotFound, 'No vendor was found by that name.');
    const handler = Object.hasOwn(VENDOR_REQUESTS, requestType) ? VENDOR_REQUESTS[requestType] : undefined;
    if (!handler) throw new RequestError(RequestStatus.ResourceNotFound, 'No request was found by that name.');
    const data = new ObsRequest(requestType, requestData, RequestBatchExecutionType.None);
    const responseData = await handler(data, ctx);
    return { vendorName, requestType, responseData: toJson(responseData) };
  },
};

function filterName(data: ObsRequest): FilterName {
  const name = data.string('filter');
  if (!isFilterName(name)) {
    throw new RequestError(RequestStatus.ResourceNotFound, `no filter "${name}" (filters: ${FILTER_NAMES.join(', ')})`);
  }
  return name;
}

/** Vendor responses are built from our own state objects; a JSON round trip makes them plain data. */
function toJson(data: JsonObject): Record<string, never> {
  return JSON.parse(JSON.stringify(data)) as Record<string, never>;
}
