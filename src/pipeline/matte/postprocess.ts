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
  const n = out.length;
  for (let i = 0; i < n; i++) {
    const v = logvar[i];
    if (v >= LUT_LOW) {
      // The table ends at the cutoff; everything at or above it (and NaN, below) is 1.
      out[i] = v < CUTOFF ? UNCERTAINTY_LUT[((v - LUT_LOW) * LUT_SCALE) | 0] : 1;
    } else {
      out[i] = v < LUT_LOW ? Math.exp(0.5 * v + Math.LN2) : 1;
    }
  }
}

/** log-variance from which the uncertainty is 1: sigma = 0.5. */
const CUTOFF = -2 * Math.LN2;
/**
 * Math.exp per pixel costs about a millisecond per 256x256 matte here, so the mapping is tabled
 * between logvar -16 (uncertainty 0.0007) and the cutoff, at steps of 0.0036 in logvar (0.2 %
 * relative error, far below what a 8-bit uncertainty shows); below -16 it is computed exactly.
 */
const LUT_LOW = -16;
const LUT_SIZE = 4096;
const LUT_SCALE = LUT_SIZE / (CUTOFF - LUT_LOW);
const UNCERTAINTY_LUT = Float32Array.from({ length: LUT_SIZE + 1 }, (_, k) => Math.min(1, Math.exp(0.5 * (LUT_LOW + (k + 0.5) / LUT_SCALE) + Math.LN2)));
