export { Renderer, createInput, renderChain, type RenderSummary } from './renderer.js';
export type { RenderOptions } from './render-options.js';
export { DecodeError, InputError } from './frame-input.js';
export { OutputSpecError, outputTargets, VIDEO_EXTENSIONS } from './output-plan.js';
export { clock, type ProgressMode } from './progress-reporter.js';
