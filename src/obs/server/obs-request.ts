import { RequestStatus, type JsonObject, type RequestBatchExecutionType } from './protocol.js';
import { RequestError } from './request-error.js';

/**
 * One request's data with the real server's field checks (rpc/Request.cpp): the same status
 * codes and comments for a missing request data object (301), a missing field (300), a wrong
 * type (401), an out-of-range number (402) and an empty string or object (403).
 */
export class ObsRequest {
  readonly data: JsonObject;
  readonly hasData: boolean;

  constructor(
    readonly requestType: string,
    requestData: unknown,
    /** -1 outside a batch; Sleep depends on it. */
    readonly executionType: RequestBatchExecutionType,
  ) {
    this.hasData = isObject(requestData);
    this.data = isObject(requestData) ? requestData : {};
  }

  contains(key: string): boolean {
    return Object.hasOwn(this.data, key) && this.data[key] !== null && this.data[key] !== undefined;
  }

  string(key: string, allowEmpty = false): string {
    this.basic(key);
    return this.optionalString(key, allowEmpty);
  }

  /** Checks a field the caller already knows is present. */
  optionalString(key: string, allowEmpty = false): string {
    const value = this.data[key];
    if (typeof value !== 'string') {
      throw new RequestError(RequestStatus.InvalidRequestFieldType, `The field value of \`${key}\` must be a string.`);
    }
    if (!allowEmpty && value.length === 0) {
      throw new RequestError(RequestStatus.RequestFieldEmpty, `The field value of \`${key}\` must not be empty.`);
    }
    return value;
  }

  number(key: string, min = -Infinity, max = Infinity): number {
    this.basic(key);
    return this.optionalNumber(key, min, max);
  }

  optionalNumber(key: string, min = -Infinity, max = Infinity): number {
    const value = this.data[key];
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new RequestError(RequestStatus.InvalidRequestFieldType, `The field value of \`${key}\` must be a number.`);
    }
    if (value < min) {
      throw new RequestError(RequestStatus.RequestFieldOutOfRange, `The field value of \`${key}\` is below the minimum of \`${min}\``);
    }
    if (value > max) {
      throw new RequestError(RequestStatus.RequestFieldOutOfRange, `The field value of \`${key}\` is above the maximum of \`${max}\``);
    }
    return value;
  }

  boolean(key: string): boolean {
    this.basic(key);
    return this.optionalBoolean(key);
  }

  optionalBoolean(key: string): boolean {
    const value = this.data[key];
    if (typeof value !== 'boolean') {
      throw new RequestError(RequestStatus.InvalidRequestFieldType, `The field value of \`${key}\` must be boolean.`);
    }
    return value;
  }

  object(key: string, allowEmpty = false): JsonObject {
    this.basic(key);
    return this.optionalObject(key, allowEmpty);
  }

  optionalObject(key: string, allowEmpty = false): JsonObject {
    const value = this.data[key];
    if (!isObject(value)) {
      throw new RequestError(RequestStatus.InvalidRequestFieldType, `The field value of \`${key}\` must be an object.`);
    }
    if (!allowEmpty && Object.keys(value).length === 0) {
      throw new RequestError(RequestStatus.RequestFieldEmpty, `The field value of \`${key}\` must not be empty.`);
    }
    return value;
  }

  private basic(key: string): void {
    if (!this.hasData) {
      throw new RequestError(RequestStatus.MissingRequestData, 'Your request data is missing or invalid (non-object)');
    }
    if (!this.contains(key)) {
      throw new RequestError(RequestStatus.MissingRequestField, `Your request is missing the \`${key}\` field.`);
    }
  }
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
