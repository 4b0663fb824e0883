import type { HandlerTable } from '../request-context.js';

/** GetStats: the pipeline's real frame rate, timings and drop counts (see ObsStateModel.stats). */
export const STATS_HANDLERS: HandlerTable = {
  GetStats: (_request, ctx) => ctx.model.stats(ctx.session),
};
