import type { FilterInstance, FilterName } from '../filter-settings/filter-catalogue.js';
import type { Frame, Matte, OutputFrame, VideoFormat } from '../frame.js';
import { logger } from '../../log.js';
import type { BackgroundStage } from './background-effect.js';
import type { Compositor } from './compositor.js';
import { XDisplay } from './display.js';
import { AnonymizeFilter } from './filters/anonymize.js';
import { BeautifyFilter } from './filters/beautify.js';
import type { FaceFilter, FilterDeps } from './filters/face-filter.js';
import { FacepaintFilter } from './filters/facepaint.js';
import { MatteView } from './filters/matte-view.js';
import { RecolorFilter } from './filters/recolor.js';
import { SketchFilter } from './filters/sketch.js';
import { ToonFilter } from './filters/toon.js';
import { FramebufferPool, RenderTarget } from './framebuffer-pool.js';
import { FrameGeometry, PixelRect } from './frame-geometry.js';
import { GlContext } from './gl-context.js';
import { activeBox, MatteTextures, matteProblem } from './matte-textures.js';
import { PassContext } from './pass-context.js';
import { ProgramLibrary } from './program-library.js';
import { ShaderLoader } from './shader-loader.js';
import type { ShaderProgram } from './shader-program.js';
import { Texture } from './texture.js';

const log = logger('compositor');

export interface GlCompositorOptions {
  /** X display for headless-gl; default $DISPLAY, or a private Xvfb when that is unset. */
  display?: string;
  /** Directory of the .glsl files; default the package's shaders/. */
  shaderDir?: string;
  /** A background effect run before the face filters (see background-effect.ts). */
  background?: BackgroundStage;
}

/** The reused output buffer handed to the sinks. */
class OutputBuffer implements OutputFrame {
  seq = 0;
  captureMs = 0;
  readonly rgba: Uint8Array;

  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.rgba = new Uint8Array(width * height * 4);
  }
}

/** Everything allocated by open(), released by close(). */
interface OpenState {
  readonly context: GlContext;
  readonly gl: WebGLRenderingContext;
  readonly programs: ProgramLibrary;
  readonly geometry: FrameGeometry;
  readonly frame: Texture;
  readonly alpha: RenderTarget;
  readonly matte: MatteTextures;
  readonly targets: FramebufferPool;
  readonly halfTargets: FramebufferPool;
  readonly pass: PassContext;
  readonly guide: ShaderProgram;
  readonly range: ShaderProgram;
  readonly upsample: ShaderProgram;
  readonly composite: ShaderProgram;
  readonly filters: ReadonlyMap<FilterName, FaceFilter>;
  readonly matteView: MatteView;
  readonly output: OutputBuffer;
  /** Read-back rows of the face rect, before they are copied into `output`. */
  readonly staging: Uint8Array;
  readonly quad: WebGLBuffer;
}

/**
 * The compositor on headless-gl (WebGL 1; Mesa llvmpipe on a machine without a GPU).
 *
 * Per frame: upload the frame rows around the face and the low-resolution matte into textures
 * allocated at open(); upsample the matte with a joint bilateral filter guided by the frame; run
 * the enabled filters of the chain in order through ping-pong render targets over the face's
 * work rect, the last one blending its result into the frame through the alpha in its own output
 * pass; read back the face rect only and copy it over a CPU copy of the input frame. Without a face (no matte, empty matte) or without
 * an enabled filter, the frame is copied through and the GPU is not touched.
 */
export class GlCompositor implements Compositor {
  private state: OpenState | null = null;
  private desc = 'headless-gl compositor (closed)';
  private readonly reportedProblems = new Set<string>();
  private readonly activeTexels: PixelRect = { x0: 0, y0: 0, x1: 0, y1: 0 };

  constructor(private readonly options: GlCompositorOptions = {}) {}

  get description(): string {
    return this.desc;
  }

  async open(format: VideoFormat): Promise<void> {
    if (this.state) throw new Error('compositor already open');
    const { width, height } = format;
    if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0)) {
      throw new RangeError(`cannot composite ${width}x${height} frames`);
    }
    const display = await XDisplay.acquire(this.options.display);
    const context = GlContext.create(display);
    try {
      this.state = build(context, format, this.options.shaderDir);
      this.options.background?.open({ gl: context.gl, programs: this.state.programs }, format);
    } catch (err) {
      this.state = null;
      context.destroy();
      throw err;
    }
    this.desc = `headless-gl ${width}x${height} on ${context.renderer} (X display ${display.name}${display.owned ? ', private Xvfb' : ''})`;
    log.info(this.desc);
  }

  composite(frame: Frame, matte: Matte | null, chain: readonly FilterInstance[]): OutputFrame {
    const s = this.opened(frame);
    const out = s.output;
    out.seq = frame.seq;
    out.captureMs = frame.captureMs;
    let debug: FilterInstance | null = null;
    let faceFilters = false;
    for (const f of chain) {
      if (!f.enabled) continue;
      if (f.name === 'matte') debug = f;
      else faceFilters = true;
    }
    const g = s.geometry;
    if (matte && !matte.empty && this.badMatte(matte)) matte = null;
    const active = matte && !matte.empty ? activeBox(matte, this.activeTexels) : null;
    const hasMatte = !!active && g.setRoi(matte!.roi, active, matte!.width, matte!.height);
    if (!hasMatte) g.setRoi(NO_FACE);
    const filtering = hasMatte && faceFilters;
    const background = this.options.background;
    if (!filtering && !debug && !background) {
      out.rgba.set(frame.rgba);
      return out;
    }
    // Debug views and background effects show every pixel: the whole frame is worked on.
    const whole = !!debug || !!background;
    if (whole) g.widenWorkToFrame();
    s.frame.uploadRows(g.work.y0, g.work.y1 - g.work.y0, frame.rgba.subarray(g.work.y0 * g.width * 4, g.work.y1 * g.width * 4));

    let hasUncertainty = false;
    if (hasMatte) {
      this.upsampleMatte(s, matte!);
      hasUncertainty = !!matte!.uncertainty;
    }
    const base = background ? background.render(s.pass, frame) : s.frame;
    s.pass.base = base;
    let result: Texture = base;
    if (filtering) {
      // The last filter's output pass blends into the base picture through the matte itself.
      const compositeRect = whole ? g.full : g.face;
      const filtered = this.runChain(s, base, chain, compositeRect);
      if (s.pass.composited || filtered === base) {
        result = filtered;
      } else {
        // The last filter had nothing to do this frame, an earlier one had: blend on its own.
        const target = s.targets.acquire();
        s.pass.compositeRect = compositeRect;
        s.pass.drawOutput({ plain: s.composite, composite: s.composite }, target, { u_filtered: filtered });
        s.pass.compositeRect = null;
        s.targets.release(filtered);
        result = target;
      }
    }
    if (debug) {
      const view = s.matteView.render(s.pass, result, debug.settings, hasMatte, hasUncertainty);
      s.targets.release(result);
      result = view;
    }
    if (result === s.frame) out.rgba.set(frame.rgba);
    else if (whole) readBack(s, result, g.full, out.rgba);
    else this.readFace(s, result, frame);
    s.targets.release(result);
    if (base !== s.frame) s.targets.release(base);
    checkGl(s.gl);
    return out;
  }

  /**
   * The enabled face filters of `chain` applied to the whole frame, without the matte (as if
   * alpha were 1 everywhere): what a filter does on its own. For tests and reference pictures;
   * the live path is composite().
   */
  renderFilters(frame: Frame, chain: readonly FilterInstance[]): OutputFrame {
    const s = this.opened(frame);
    const g = s.geometry;
    g.setFullFrame();
    s.frame.uploadRows(0, g.height, frame.rgba);
    fillAlpha(s.gl, s.alpha, g.full);
    s.pass.base = s.frame;
    const filtered = this.runChain(s, s.frame, chain, null);
    s.output.seq = frame.seq;
    s.output.captureMs = frame.captureMs;
    if (filtered === s.frame) s.output.rgba.set(frame.rgba);
    else readBack(s, filtered, g.full, s.output.rgba);
    s.targets.release(filtered);
    checkGl(s.gl);
    return s.output;
  }

  async close(): Promise<void> {
    const s = this.state;
    if (!s) return;
    this.state = null;
    for (const filter of s.filters.values()) filter.dispose();
    s.matte.dispose();
    s.targets.dispose();
    s.halfTargets.dispose();
    s.alpha.dispose();
    s.frame.dispose();
    s.programs.dispose();
    s.gl.deleteBuffer(s.quad);
    this.options.background?.dispose();
    s.context.destroy();
    this.desc = 'headless-gl compositor (closed)';
  }

  /** The open state for a new frame of the right size, with every render target free. */
  private opened(frame: Frame): OpenState {
    const s = this.state;
    if (!s) throw new Error('compositor is not open');
    if (frame.width !== s.geometry.width || frame.height !== s.geometry.height) {
      throw new RangeError(`frame is ${frame.width}x${frame.height}, the compositor was opened for ${s.geometry.width}x${s.geometry.height}`);
    }
    s.targets.releaseAll();
    s.halfTargets.releaseAll();
    s.pass.compositeRect = null;
    return s;
  }

  /**
   * A matte that cannot be used (its buffers do not match its size) is a bug upstream: it is
   * reported, once per kind of problem, and the frame is treated as having no face, so the
   * camera keeps running.
   */
  private badMatte(matte: Matte): boolean {
    const problem = matteProblem(matte);
    if (!problem) return false;
    if (!this.reportedProblems.has(problem)) {
      this.reportedProblems.add(problem);
      log.error(`${problem}; compositing without the matte`);
    }
    return true;
  }

  /** Uploads the matte and renders the frame-sized alpha over the work rect. */
  private upsampleMatte(s: OpenState, matte: Matte): void {
    const g = s.geometry;
    const hasUncertainty = s.matte.upload(matte);
    const geometry = (p: ShaderProgram) => {
      p.set2f('u_matteSize', matte.width, matte.height);
      p.set4f('u_roi', g.roi.x, g.roi.y, g.roi.width, g.roi.height);
    };
    const matteRect = { x0: 0, y0: 0, x1: matte.width, y1: matte.height };
    s.pass.draw(s.guide, s.matte.guide, { u_frame: s.frame, u_matte: s.matte.alpha }, geometry, matteRect);
    s.pass.draw(
      s.range,
      s.matte.range,
      { u_guide: s.matte.guide, u_uncertainty: s.matte.uncertainty },
      (p) => {
        geometry(p);
        p.set1f('u_hasUncertainty', hasUncertainty ? 1 : 0);
      },
      matteRect,
    );
    s.pass.draw(s.upsample, s.alpha, { u_frame: s.frame, u_guide: s.matte.guide, u_range: s.matte.range }, geometry);
  }

  /**
   * Runs the enabled face filters in chain order; returns the last result. With `compositeRect`
   * the last filter blends its output into the base picture over that rect (ctx.composited).
   */
  private runChain(s: OpenState, input: Texture, chain: readonly FilterInstance[], compositeRect: PixelRect | null): Texture {
    let last = -1;
    chain.forEach((f, i) => {
      if (f.enabled && f.name !== 'matte' && s.filters.has(f.name)) last = i;
    });
    s.pass.composited = false;
    let current = input;
    for (let i = 0; i <= last; i++) {
      const instance = chain[i];
      const filter = instance.enabled ? s.filters.get(instance.name) : undefined;
      if (!filter) continue;
      s.pass.compositeRect = i === last ? compositeRect : null;
      const next = filter.apply(s.pass, current, instance.settings);
      if (next !== current && current !== input) s.targets.release(current);
      current = next;
    }
    s.pass.compositeRect = null;
    return current;
  }

  /** Output = the input frame, with the face rect read back from `result` over it. */
  private readFace(s: OpenState, result: Texture, frame: Frame): void {
    const out = s.output.rgba;
    out.set(frame.rgba);
    const f = s.geometry.face;
    const w = f.x1 - f.x0;
    readBack(s, result, f, s.staging);
    const stride = s.geometry.width * 4;
    const row = w * 4;
    for (let y = f.y0; y < f.y1; y++) {
      const from = (y - f.y0) * row;
      out.set(s.staging.subarray(from, from + row), y * stride + f.x0 * 4);
    }
  }
}

const NO_FACE = { x: 0, y: 0, width: 0, height: 0 };

function build(context: GlContext, format: VideoFormat, shaderDir: string | undefined): OpenState {
  const gl = context.gl;
  const { width, height } = format;
  const programs = new ProgramLibrary(gl, new ShaderLoader(shaderDir));
  const deps: FilterDeps = { gl, programs };
  // Every program compiles here, at start-up, so a shader error stops open() with file and line.
  const guide = programs.get('matte-guide.frag.glsl');
  const range = programs.get('matte-range.frag.glsl');
  const upsample = programs.get('matte-upsample.frag.glsl');
  const composite = programs.get('composite.frag.glsl', ['COMPOSITE']);
  const filterList: FaceFilter[] = [
    new BeautifyFilter(deps),
    new ToonFilter(deps),
    new SketchFilter(deps),
    new RecolorFilter(deps),
    new AnonymizeFilter(deps),
    new FacepaintFilter(deps),
  ];
  const matteView = new MatteView(deps);
  const geometry = new FrameGeometry(width, height);
  const frame = new Texture(gl, width, height, gl.RGBA, gl.UNSIGNED_BYTE);
  const alpha = new RenderTarget(gl, width, height);
  // Three targets: a filter's input, its intermediate and its output (beautify needs all three).
  const targets = new FramebufferPool(gl, width, height, 3);
  const halfTargets = new FramebufferPool(gl, Math.ceil(width / 2), Math.ceil(height / 2), 2);

  // The quad feeds attribute 0 (ShaderProgram binds it there) for every pass.
  const quad = gl.createBuffer();
  if (!quad) throw new Error('gl.createBuffer() failed');
  gl.bindBuffer(gl.ARRAY_BUFFER, quad);
  gl.bufferData(gl.ARRAY_BUFFER, new Float32Array([-1, -1, 1, -1, -1, 1, 1, 1]), gl.STATIC_DRAW);
  gl.enableVertexAttribArray(0);
  gl.vertexAttribPointer(0, 2, gl.FLOAT, false, 0, 0);
  gl.disable(gl.BLEND);
  gl.disable(gl.DEPTH_TEST);

  return {
    context,
    gl,
    programs,
    geometry,
    frame,
    alpha,
    matte: new MatteTextures(gl),
    targets,
    halfTargets,
    pass: new PassContext(gl, geometry, frame, alpha, targets, halfTargets),
    guide,
    range,
    upsample,
    composite,
    filters: new Map(filterList.map((f) => [f.name, f])),
    matteView,
    output: new OutputBuffer(width, height),
    staging: new Uint8Array(width * height * 4),
    quad,
  };
}

function readBack(s: OpenState, source: Texture, rect: PixelRect, into: Uint8Array): void {
  const gl = s.gl;
  if (!(source instanceof RenderTarget)) throw new Error('read-back source is not a render target');
  gl.bindFramebuffer(gl.FRAMEBUFFER, source.framebuffer);
  gl.readPixels(rect.x0, rect.y0, rect.x1 - rect.x0, rect.y1 - rect.y0, gl.RGBA, gl.UNSIGNED_BYTE, into);
}

/** Alpha 1 over `rect`: the matte of renderFilters(). */
function fillAlpha(gl: WebGLRenderingContext, alpha: RenderTarget, rect: PixelRect): void {
  gl.bindFramebuffer(gl.FRAMEBUFFER, alpha.framebuffer);
  gl.enable(gl.SCISSOR_TEST);
  gl.scissor(rect.x0, rect.y0, rect.x1 - rect.x0, rect.y1 - rect.y0);
  gl.clearColor(1, 0, 0, 1);
  gl.clear(gl.COLOR_BUFFER_BIT);
  gl.disable(gl.SCISSOR_TEST);
}

function checkGl(gl: WebGLRenderingContext): void {
  const error = gl.getError();
  if (error !== gl.NO_ERROR) throw new Error(`GL error 0x${error.toString(16)} while compositing`);
}
