import type { RunOptions } from './run-options.js';
import type { FrameSink } from '../pipeline/sink/frame-sink.js';
import type { FrameSource } from '../pipeline/source/frame-source.js';
import type { MatteEngine } from '../pipeline/matte/matte-engine.js';
import { PipelineController } from '../pipeline/controller/pipeline-controller.js';
import { startingChain } from '../pipeline/filter-settings/filter-chain.js';
import { Scheduler, RunSummary } from '../pipeline/scheduler/scheduler.js';
import { PipelineMetrics } from '../pipeline/scheduler/metrics.js';
import { SinkFanout } from '../pipeline/scheduler/sink-fanout.js';
import { createMatteEngine } from '../pipeline/matte/index.js';
import { createCompositor } from '../pipeline/composite/index.js';
import { createV4l2Source } from '../pipeline/source/v4l2-source.js';
import { createVirtualCamera } from '../pipeline/sink/v4l2-virtual-camera.js';
import { startControlServer, ControlServer } from '../http/control-server.js';
import { startHotkeys } from '../hotkeys/start-hotkeys.js';
import { createObsWebSocketServer } from '../obs/server/obs-websocket-server.js';
import { startObsBridge } from '../obs/bridge/index.js';
import { loadOrCreatePassword } from '../config/password.js';
import { AuthFailureLimiter } from '../util/auth-failure-limiter.js';
import { createSink, createSource } from './stage-factory.js';
import { MetricsReporter } from './metrics-reporter.js';
import { logger } from '../log.js';
import { errorMessage } from '../util/error-message.js';

const log = logger('app');

/** Things to close at exit (independent of each other: they close at once). */
type Closer = { name: string; close: () => Promise<void> };

/**
 * A running `facemat run`: the pipeline plus the control surfaces around it (control server with
 * the HTTP API, web panel and obs-websocket, hotkeys, OBS bridge), all acting through one
 * PipelineController.
 */
export class FacematApp {
  private readonly closers: Closer[] = [];
  private reporter: MetricsReporter | null = null;
  private surfacesClosed: Promise<void> | null = null;
  done!: Promise<RunSummary>;

  private constructor(
    readonly options: RunOptions,
    readonly controller: PipelineController,
    readonly scheduler: Scheduler,
    /** The v4l2loopback node the user asked to write, if any (the OBS bridge reads it). */
    private readonly virtualcamDevice: string | null,
  ) {}

  static async start(options: RunOptions): Promise<FacematApp> {
    const metrics = new PipelineMetrics();
    const format = { width: options.width, height: options.height, fps: options.fps };

    const sourceOrDevice = createSource(options.source, { loop: options.loop });
    const pixelFormat = options.inputFormat === 'auto' ? undefined : options.inputFormat;
    const source: FrameSource = 'v4l2' in sourceOrDevice ? createV4l2Source(sourceOrDevice.v4l2, undefined, undefined, pixelFormat) : sourceOrDevice;

    const sinks: FrameSink[] = [];
    let virtualcamDevice: string | null = null;
    for (const spec of options.sinks) {
      const sink = createSink(spec);
      if ('v4l2' in sink) virtualcamDevice = sink.v4l2;
      else sinks.push(sink);
    }

    // The virtual camera is a sink of the scheduler and the controller's virtual camera at once;
    // it writes only once started: at start-up when a v4l2 sink was asked for, later on command.
    // Asked for but unusable: say so now, not after the model and GL have loaded.
    const virtualCamera = createVirtualCamera({ device: virtualcamDevice && virtualcamDevice !== 'auto' ? virtualcamDevice : undefined, autoStart: virtualcamDevice !== null, required: virtualcamDevice !== null });
    if (virtualcamDevice !== null) virtualCamera.checkUsable();

    const engine: MatteEngine = await createMatteEngine({
      modelPath: options.model ?? undefined,
      provider: options.provider,
      threads: options.threads ?? undefined,
      faceCrop: options.faceCrop,
      temporal: options.temporal,
    });
    log.info(`matting: ${engine.description}`);
    const compositor = createCompositor();
    sinks.push(virtualCamera);
    let scheduler: Scheduler | null = null;
    const fanout = new SinkFanout(metrics);
    const controller = new PipelineController({
      chain: startingChain(options.preset, options.filters),
      preset: options.preset,
      virtualCamera,
      sinks: fanout,
      info: () => ({
        source: source.description,
        sinks: fanout.descriptions(),
        format: scheduler?.format ?? format,
        model: engine.description,
        provider: engine.provider,
      }),
      metrics: () => metrics.snapshot(),
    });

    scheduler = new Scheduler({
      source,
      engine,
      compositor,
      sinks,
      fanout,
      controls: controller,
      format,
      maxMatteLag: options.matteLag,
      frameLimit: options.frames ?? undefined,
      metrics,
    });
    const app = new FacematApp(options, controller, scheduler, virtualcamDevice);
    // Control surfaces first: a busy port or a bad OBS URL stops the start before the camera opens.
    try {
      await app.startControlSurfaces();
    } catch (err) {
      await app.closeSurfaces();
      await engine.close();
      throw err;
    }
    // The last metrics are written once the pipeline is done, whoever stopped it.
    app.done = scheduler.run().finally(() => app.reporter?.stop());
    app.reporter = new MetricsReporter(() => metrics.snapshot(), { path: options.metrics, verbose: options.verbose });
    app.reporter.start();
    return app;
  }

  private async startControlSurfaces(): Promise<void> {
    const { options, controller } = this;
    if (options.control) {
      const password = options.password ?? loadOrCreatePassword();
      const secret = typeof password === 'string' ? password : password.password;
      if (typeof password !== 'string' && password.created) log.info(`generated the control password into ${password.path}`);
      // One count of wrong passwords for both doors to the same password.
      const authFailures = new AuthFailureLimiter(5);
      const obsServer = createObsWebSocketServer({ controller, password: secret, authFailures });
      const server: ControlServer = await startControlServer({
        controller,
        host: options.control.host,
        port: options.control.port,
        password: secret,
        authFailures,
        upgradeHandler: obsServer,
      });
      log.info(`control panel: ${server.address.url}?key=${secret}  (obs-websocket on the same port)`);
      this.closers.push({ name: 'control server', close: () => server.close() });
    }
    const hotkeys = await startHotkeys({ controller, bindings: options.hotkeys });
    if (hotkeys.status === 'active') log.info(`hotkeys: ${hotkeys.detail}`);
    this.closers.push({ name: 'hotkeys', close: () => hotkeys.stop() });
    if (options.obs) {
      const bridge = await startObsBridge({
        controller,
        url: options.obs,
        password: options.obsPassword ?? undefined,
        scene: options.obsScene ?? undefined,
        virtualcam: options.obsVirtualcam,
        sceneToPreset: options.obsScenePresets,
        v4l2Device: this.virtualcamDevice && this.virtualcamDevice !== 'auto' ? this.virtualcamDevice : undefined,
      });
      this.closers.push({ name: 'OBS bridge', close: () => bridge.close() });
    }
  }

  /**
   * Stops capture, lets work in flight finish, closes every stage and surface. The surfaces close
   * while the pipeline drains, not after it, so their bounded waits (a client that does not answer
   * the close handshake, the hotkey hook) do not add up after the pipeline's (docs/pipeline.md,
   * "Shutdown").
   */
  async stop(): Promise<RunSummary> {
    this.scheduler.stop();
    const [summary] = await Promise.all([this.done, this.closeSurfaces()]);
    return summary;
  }

  /**
   * Closes the control surfaces (after the pipeline ended on its own: end of file, --frames; or
   * from stop()). All at once, each on its own; calling it again returns the same promise.
   */
  closeSurfaces(): Promise<void> {
    this.surfacesClosed ??= this.closeAllSurfaces();
    return this.surfacesClosed;
  }

  private async closeAllSurfaces(): Promise<void> {
    await Promise.all(
      this.closers.splice(0).map(async (closer) => {
        try {
          await closer.close();
        } catch (err) {
          log.warn(`closing ${closer.name}: ${errorMessage(err)}`);
        }
      }),
    );
  }
}
