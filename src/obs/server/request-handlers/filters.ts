import { defaultSettings, type FilterSettings } from '../../../pipeline/filter-settings/filter-catalogue.js';
import { RequestStatus } from '../protocol.js';
import { RequestError } from '../request-error.js';
import type { HandlerTable } from '../request-context.js';

/**
 * Our face filters as the camera's source filters. Reads come from the controller's state and
 * every change is a controller command, so hotkeys, the web panel and other clients see it too.
 * The set of filters is fixed: creating, removing or renaming them is not implemented (204).
 */
export const FILTER_HANDLERS: HandlerTable = {
  GetSourceFilterKindList: (_request, ctx) => ({ sourceFilterKinds: ctx.model.filterKinds() }),

  GetSourceFilterList: (request, ctx) => {
    const source = ctx.model.findSource(request, 'sourceName', 'sourceUuid');
    return { filters: ctx.model.filterList(source) };
  },

  GetSourceFilterDefaultSettings: (request, ctx) => {
    const name = ctx.model.filterForKind(request.string('filterKind'));
    if (!name) throw new RequestError(RequestStatus.InvalidFilterKind, 'Your specified filter kind is not supported by OBS. Check that any necessary plugins are loaded.');
    return { defaultFilterSettings: defaultSettings(name) };
  },

  GetSourceFilter: (request, ctx) => {
    const { filter } = ctx.model.findFilter(request);
    return {
      filterEnabled: filter.filterEnabled,
      filterIndex: filter.filterIndex,
      filterKind: filter.filterKind,
      filterSettings: filter.filterSettings,
    };
  },

  SetSourceFilterEnabled: async (request, ctx) => {
    const { name } = ctx.model.findFilter(request);
    const enabled = request.boolean('filterEnabled');
    await ctx.controller.execute({ type: 'filter.enable', name, enabled }, 'obs-websocket');
  },

  SetSourceFilterIndex: async (request, ctx) => {
    const { name } = ctx.model.findFilter(request);
    const index = request.number('filterIndex', 0);
    await ctx.controller.execute({ type: 'filter.move', name, index }, 'obs-websocket');
  },

  SetSourceFilterSettings: async (request, ctx) => {
    const { name } = ctx.model.findFilter(request);
    const given = request.object('filterSettings', true);
    const overlay = request.contains('overlay') ? request.optionalBoolean('overlay') : true;
    // overlay=false means "reset to defaults, then apply", as OBS does.
    const settings = (overlay ? given : { ...defaultSettings(name), ...given }) as FilterSettings;
    await ctx.controller.execute({ type: 'filter.settings', name, settings }, 'obs-websocket');
  },
};
