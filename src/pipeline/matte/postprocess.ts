/**
 * From the model's raw outputs to the Matte's planes, written into caller-owned arrays.
 */

/**
 * Alpha in [0,1]: the output's declared range (manifest `range`, default [0,1]) is mapped onto
 * [0,1] and clamped; NaN (a broken model) reads as 0, so a bad pixel shows the unfiltered frame.
 */
export function alphaFromOutput(raw: Float32Array, range: readonly [number, number] | undefined, out: Float32Array): void {
  const lo = range ? range[0] : 0;
  const span = range ? range[1] - range[0] : 1;
  const n = out.length;
  if (lo === 0 && span === 1) {
    for (let i = 0; i < n; i++) {
      const a = raw[i];
      out[i] = a >= 0 ? (a <= 1 ? a : 1) : 0;
    }
    return;
  }
  const gain = 1 / span;
  for (let i = 0; i < n; i++) {
    const a = (raw[i] - lo) * gain;
    out[i] = a >= 0 ? (a <= 1 ? a : 1) : 0;
  }
}

/**
 * The log-variance output is log(sigma^2), sigma being the model's predicted standard deviation of
 * its alpha (the teacher and student are trained with a Gaussian NLL on alpha in [0,1]). Mapping:
 *
 *     uncertainty = min(1, sigma / 0.5) = min(1, 2 * exp(logvar / 2))
 *
 * 0.5 is the largest standard deviation an alpha in [0,1] can meaningfully have (a coin flip
 * between 0 and 1), so 1 means "no idea" and the scale is the model's own: sigma 0.05 (a sure
 * pixel of a trained model, logvar about -6) gives 0.1; sigma 0.25 (a hair edge) gives 0.5; any
 * logvar above 2*ln(0.5) = -1.386 gives 1. NaN reads as 1 (unsure).
 */
export function uncertaintyFromLogVariance(logvar: Float32Array, out: Float32Array): void {
  const cutoff = -2 * Math.LN2;
  const n = out.length;
  for (let i = 0; i < n; i++) {
    const v = logvar[i];
    out[i] = v < cutoff ? Math.exp(0.5 * v + Math.LN2) : 1;
  }
}
