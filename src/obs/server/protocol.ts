/**
 * The obs-websocket 5 wire protocol: op codes, close codes, request status codes, event
 * subscription bits and batch execution types, with the values of the upstream protocol
 * description (obs-websocket's docs/generated/protocol.json). Plain constants and message
 * shapes only, no behaviour, so both our server and our OBS client side can share them.
 */

/** The only RPC version obs-websocket 5 defines. */
export const RPC_VERSION = 1;

/** The obs-websocket protocol release whose request and event shapes we follow. */
export const OBS_WEBSOCKET_PROTOCOL_VERSION = '5.7.0';

export const SUBPROTOCOL_JSON = 'obswebsocket.json';
export const SUBPROTOCOL_MSGPACK = 'obswebsocket.msgpack';
export type Subprotocol = typeof SUBPROTOCOL_JSON | typeof SUBPROTOCOL_MSGPACK;

export const OpCode = {
  Hello: 0,
  Identify: 1,
  Identified: 2,
  Reidentify: 3,
  Event: 5,
  Request: 6,
  RequestResponse: 7,
  RequestBatch: 8,
  RequestBatchResponse: 9,
} as const;
export type OpCode = (typeof OpCode)[keyof typeof OpCode];

/** WebSocket close codes the real server sends (4001 is unused upstream). */
export const CloseCode = {
  UnknownReason: 4000,
  MessageDecodeError: 4002,
  MissingDataField: 4003,
  InvalidDataFieldType: 4004,
  InvalidDataFieldValue: 4005,
  UnknownOpCode: 4006,
  NotIdentified: 4007,
  AlreadyIdentified: 4008,
  AuthenticationFailed: 4009,
  UnsupportedRpcVersion: 4010,
  SessionInvalidated: 4011,
  UnsupportedFeature: 4012,
} as const;
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

/** Standard WebSocket close codes we use besides the protocol's own. */
export const WsCloseCode = {
  GoingAway: 1001,
  MessageTooBig: 1009,
  TryAgainLater: 1013,
} as const;

export const RequestStatus = {
  Unknown: 0,
  NoError: 10,
  Success: 100,
  MissingRequestType: 203,
  UnknownRequestType: 204,
  GenericError: 205,
  UnsupportedRequestBatchExecutionType: 206,
  NotReady: 207,
  MissingRequestField: 300,
  MissingRequestData: 301,
  InvalidRequestField: 400,
  InvalidRequestFieldType: 401,
  RequestFieldOutOfRange: 402,
  RequestFieldEmpty: 403,
  TooManyRequestFields: 404,
  OutputRunning: 500,
  OutputNotRunning: 501,
  OutputPaused: 502,
  OutputNotPaused: 503,
  OutputDisabled: 504,
  StudioModeActive: 505,
  StudioModeNotActive: 506,
  ResourceNotFound: 600,
  ResourceAlreadyExists: 601,
  InvalidResourceType: 602,
  NotEnoughResources: 603,
  InvalidResourceState: 604,
  InvalidInputKind: 605,
  ResourceNotConfigurable: 606,
  InvalidFilterKind: 607,
  ResourceCreationFailed: 700,
  ResourceActionFailed: 701,
  RequestProcessingFailed: 702,
  CannotAct: 703,
} as const;
export type RequestStatus = (typeof RequestStatus)[keyof typeof RequestStatus];

export const EventSubscription = {
  None: 0,
  General: 1 << 0,
  Config: 1 << 1,
  Scenes: 1 << 2,
  Inputs: 1 << 3,
  Transitions: 1 << 4,
  Filters: 1 << 5,
  Outputs: 1 << 6,
  SceneItems: 1 << 7,
  MediaInputs: 1 << 8,
  Vendors: 1 << 9,
  Ui: 1 << 10,
  Canvases: 1 << 11,
  /** Every low-volume category; what a session gets when Identify names no subscriptions. */
  All: (1 << 12) - 1,
  /** High-volume events: only sent to sessions that ask for them by bit. */
  InputVolumeMeters: 1 << 16,
  InputActiveStateChanged: 1 << 17,
  InputShowStateChanged: 1 << 18,
  SceneItemTransformChanged: 1 << 19,
} as const;

export const RequestBatchExecutionType = {
  None: -1,
  SerialRealtime: 0,
  SerialFrame: 1,
  Parallel: 2,
} as const;
export type RequestBatchExecutionType = (typeof RequestBatchExecutionType)[keyof typeof RequestBatchExecutionType];

export function isBatchExecutionType(value: number): value is RequestBatchExecutionType {
  return value === 0 || value === 1 || value === 2 || value === -1;
}

export type OutputState =
  | 'OBS_WEBSOCKET_OUTPUT_UNKNOWN'
  | 'OBS_WEBSOCKET_OUTPUT_STARTING'
  | 'OBS_WEBSOCKET_OUTPUT_STARTED'
  | 'OBS_WEBSOCKET_OUTPUT_STOPPING'
  | 'OBS_WEBSOCKET_OUTPUT_STOPPED'
  | 'OBS_WEBSOCKET_OUTPUT_RECONNECTING'
  | 'OBS_WEBSOCKET_OUTPUT_RECONNECTED'
  | 'OBS_WEBSOCKET_OUTPUT_PAUSED'
  | 'OBS_WEBSOCKET_OUTPUT_RESUMED';

export type JsonObject = { [key: string]: unknown };

export interface HelloData {
  obsStudioVersion: string;
  obsWebSocketVersion: string;
  rpcVersion: number;
  authentication?: { challenge: string; salt: string };
}

export interface RequestStatusObject {
  result: boolean;
  code: number;
  comment?: string;
}

export interface RequestResponseData {
  requestType: string;
  requestId?: unknown;
  requestStatus: RequestStatusObject;
  responseData?: JsonObject;
}

/** One message on the wire, before encoding. */
export interface ObsMessage {
  op: number;
  d: unknown;
}
