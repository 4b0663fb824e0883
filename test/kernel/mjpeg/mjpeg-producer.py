#!/usr/bin/env python3
"""Plays a USB MJPEG webcam on a v4l2loopback node: sets MJPG WxH at FPS on its output side
(VIDIOC_S_FMT, VIDIOC_S_PARM) and writes the JPEGs of FILE (concatenated, as `ffmpeg -f mjpeg`
writes them) one per frame, in a loop, until killed.

usage: mjpeg-producer.py DEVICE FILE WIDTH HEIGHT FPS
"""
import fcntl
import os
import struct
import sys
import time

VIDIOC_S_FMT = 0xC0D05605  # _IOWR('V', 5, struct v4l2_format), 208 bytes
VIDIOC_S_PARM = 0xC0CC5616  # _IOWR('V', 22, struct v4l2_streamparm), 204 bytes
OUTPUT = 2  # V4L2_BUF_TYPE_VIDEO_OUTPUT
MJPG = struct.unpack('<I', b'MJPG')[0]


def main() -> None:
    device, path, width, height, fps = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    data = open(path, 'rb').read()
    starts = [i for i in range(len(data) - 2) if data[i:i + 3] == b'\xff\xd8\xff']
    frames = [data[a:b] for a, b in zip(starts, starts[1:] + [len(data)])]
    if not frames:
        sys.exit(f'{path} holds no JPEG')
    biggest = max(len(f) for f in frames)
    fd = os.open(device, os.O_RDWR)
    # type, (pad), width, height, pixelformat, field (NONE), bytesperline, sizeimage, colorspace (JPEG)
    fmt = struct.pack('<I4x8I', OUTPUT, width, height, MJPG, 1, 0, biggest, 7, 0).ljust(208, b'\0')
    fcntl.ioctl(fd, VIDIOC_S_FMT, bytearray(fmt))
    # type, capability (TIMEPERFRAME), outputmode, timeperframe 1/fps
    parm = struct.pack('<5I', OUTPUT, 0x1000, 0, 1, fps).ljust(204, b'\0')
    fcntl.ioctl(fd, VIDIOC_S_PARM, bytearray(parm))
    print(f'mjpeg-producer: {len(frames)} JPEGs, {width}x{height} at {fps} fps into {device}', flush=True)
    due = time.monotonic()
    n = 0
    while True:
        os.write(fd, frames[n % len(frames)])
        n += 1
        due += 1 / fps
        time.sleep(max(0.0, due - time.monotonic()))


if __name__ == '__main__':
    main()
