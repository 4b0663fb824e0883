/**
 * The smallest Matroska stream ffmpeg's demuxer takes uncompressed video from with a timestamp on
 * every frame: an EBML header, a Segment of unknown size (a pipe cannot seek back to fill it in),
 * Info with a timestamp scale of one microsecond, one video track (V_UNCOMPRESSED, ColourSpace
 * 'RGBA' or 'Y800'), then one Cluster per frame holding one SimpleBlock. rawvideo and y4m carry no
 * timestamps; this does, so the encoding ffmpeg sees every frame at its own time (variable frame
 * rates included) without a second pass.
 */

const ID = {
  EBML: 0x1a45dfa3,
  EBMLVersion: 0x4286,
  EBMLReadVersion: 0x42f7,
  EBMLMaxIDLength: 0x42f2,
  EBMLMaxSizeLength: 0x42f3,
  DocType: 0x4282,
  DocTypeVersion: 0x4287,
  DocTypeReadVersion: 0x4285,
  Segment: 0x18538067,
  Info: 0x1549a966,
  TimestampScale: 0x2ad7b1,
  MuxingApp: 0x4d80,
  WritingApp: 0x5741,
  Tracks: 0x1654ae6b,
  TrackEntry: 0xae,
  TrackNumber: 0xd7,
  TrackUID: 0x73c5,
  TrackType: 0x83,
  FlagLacing: 0x9c,
  CodecID: 0x86,
  Video: 0xe0,
  PixelWidth: 0xb0,
  PixelHeight: 0xba,
  ColourSpace: 0x2eb524,
  Cluster: 0x1f43b675,
  Timestamp: 0xe7,
  SimpleBlock: 0xa3,
} as const;

/** Nanoseconds per timestamp tick: timestamps are written in microseconds. */
export const TIMESTAMP_SCALE_NS = 1000;

export type MatroskaPixelFormat = 'rgba' | 'gray';

const FOURCC: Record<MatroskaPixelFormat, string> = { rgba: 'RGBA', gray: 'Y800' };
const BYTES_PER_PIXEL: Record<MatroskaPixelFormat, number> = { rgba: 4, gray: 1 };

function idBytes(id: number): Buffer {
  const bytes: number[] = [];
  for (let v = id; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from(bytes);
}

/** An EBML variable-length size, in the fewest bytes (8 at most). */
export function sizeBytes(size: number): Buffer {
  for (let length = 1; length <= 8; length++) {
    // All ones is reserved for "unknown size".
    if (size < 2 ** (7 * length) - 1) {
      const out = Buffer.alloc(length);
      let v = size;
      for (let i = length - 1; i >= 0; i--) {
        out[i] = v % 256;
        v = Math.floor(v / 256);
      }
      out[0] |= 1 << (8 - length);
      return out;
    }
  }
  throw new RangeError(`EBML size ${size} too large`);
}

function uintBytes(value: number): Buffer {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`not an unsigned integer: ${value}`);
  const bytes: number[] = [];
  for (let v = value; v > 0; v = Math.floor(v / 256)) bytes.unshift(v % 256);
  return Buffer.from(bytes.length ? bytes : [0]);
}

function element(id: number, payload: Buffer): Buffer {
  return Buffer.concat([idBytes(id), sizeBytes(payload.length), payload]);
}

const uint = (id: number, value: number) => element(id, uintBytes(value));
const str = (id: number, value: string) => element(id, Buffer.from(value, 'latin1'));
const master = (id: number, ...children: Buffer[]) => element(id, Buffer.concat(children));

/** The Segment's "unknown size" marker (8 bytes, all value bits set). */
const UNKNOWN_SIZE = Buffer.from([0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);

export class MatroskaRawWriter {
  readonly frameBytes: number;

  constructor(
    readonly width: number,
    readonly height: number,
    readonly pixelFormat: MatroskaPixelFormat,
  ) {
    this.frameBytes = width * height * BYTES_PER_PIXEL[pixelFormat];
  }

  /** Everything before the first frame. */
  header(): Buffer {
    const ebml = master(
      ID.EBML,
      uint(ID.EBMLVersion, 1),
      uint(ID.EBMLReadVersion, 1),
      uint(ID.EBMLMaxIDLength, 4),
      uint(ID.EBMLMaxSizeLength, 8),
      str(ID.DocType, 'matroska'),
      uint(ID.DocTypeVersion, 4),
      uint(ID.DocTypeReadVersion, 2),
    );
    const info = master(ID.Info, uint(ID.TimestampScale, TIMESTAMP_SCALE_NS), str(ID.MuxingApp, 'facemat'), str(ID.WritingApp, 'facemat render'));
    const video = master(ID.Video, uint(ID.PixelWidth, this.width), uint(ID.PixelHeight, this.height), element(ID.ColourSpace, Buffer.from(FOURCC[this.pixelFormat], 'latin1')));
    const track = master(ID.TrackEntry, uint(ID.TrackNumber, 1), uint(ID.TrackUID, 1), uint(ID.TrackType, 1), uint(ID.FlagLacing, 0), str(ID.CodecID, 'V_UNCOMPRESSED'), video);
    const tracks = master(ID.Tracks, track);
    return Buffer.concat([ebml, idBytes(ID.Segment), UNKNOWN_SIZE, info, tracks]);
  }

  /**
   * The bytes that go before one frame's pixels: a Cluster at `timestampUs` (microseconds, >= 0)
   * whose one SimpleBlock (track 1, keyframe, relative time 0) ends with the frame's bytes.
   */
  frameHeader(timestampUs: number): Buffer {
    const blockHead = Buffer.from([0x81, 0x00, 0x00, 0x80]);
    const blockSize = blockHead.length + this.frameBytes;
    const simpleBlockHead = Buffer.concat([idBytes(ID.SimpleBlock), sizeBytes(blockSize), blockHead]);
    const timestamp = uint(ID.Timestamp, Math.max(0, Math.round(timestampUs)));
    const clusterSize = timestamp.length + simpleBlockHead.length + this.frameBytes;
    return Buffer.concat([idBytes(ID.Cluster), sizeBytes(clusterSize), timestamp, simpleBlockHead]);
  }
}
