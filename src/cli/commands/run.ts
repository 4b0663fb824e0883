import type { CliCommand } from '../command.js';
import { RUN_SPEC, resolveRunOptions } from '../run-options.js';
import { helpText } from '../options/help-text.js';
import { parseCommandLine } from '../options/parse-options.js';
import { setLogLevel, logger } from '../../log.js';
import { FacematApp } from '../../app/facemat-app.js';

const log = logger('run');

export const command: CliCommand = {
  name: 'run',
  summary: RUN_SPEC.summary,
  specs: [RUN_SPEC],
  async run(argv) {
    if (parseCommandLine(RUN_SPEC, argv).help) {
      process.stdout.write(helpText(RUN_SPEC) + '\n');
      return 0;
    }
    const options = resolveRunOptions(argv);
    if (options.verbose) setLogLevel('debug');
    let app: FacematApp;
    try {
      app = await FacematApp.start(options);
    } catch (err) {
      return failed(err, options.verbose);
    }

    // First SIGINT/SIGTERM: finish cleanly (ffmpeg files are closed properly). Second: exit now.
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) {
        log.warn(`${signal} again: exiting without cleaning up`);
        process.exit(130);
      }
      stopping = true;
      log.info(`${signal}: stopping`);
      void app.stop();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    try {
      const summary = await app.done;
      await app.closeSurfaces();
      log.info(`stopped (${summary.reason}) after ${summary.outputFrames} frames`);
      return summary.reason === 'source-failed' ? 1 : 0;
    } catch (err) {
      await app.closeSurfaces();
      return failed(err, options.verbose);
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  },
};

/** A failure to start or run (missing file, busy port, no display): one line, the stack with --verbose. */
function failed(err: unknown, verbose: boolean): number {
  const message = err instanceof Error ? (verbose ? (err.stack ?? err.message) : err.message) : String(err);
  log.error(message);
  return 1;
}
