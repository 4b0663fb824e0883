/**
 * A model that cannot be used: a missing or invalid manifest, an unreadable or truncated .onnx, or
 * a graph that does not match its manifest. The message always names the file and the problem, so
 * a user who passed `--model` sees at once what to fix; the factory then falls back to the shipped
 * model.
 */
export class ModelError extends Error {
  constructor(
    readonly file: string,
    readonly problem: string,
  ) {
    super(`${file}: ${problem}`);
    this.name = 'ModelError';
  }
}
