#!/usr/bin/env python3
"""The frame counter burned into the benchmark's test video, and reading it back.

Layout (one source of truth: run.sh asks this file for the ffmpeg filter, glass.mjs for the
layout as JSON): a black strip over the top of a 640x360 picture; in its first row of BITS
blocks (BLOCK x BLOCK pixels), block k is white when bit (BITS-1-k) of the frame number is
set; the second row holds the complement. A bit reads as 1 when its upper block is brighter
than its lower one, so no threshold depends on the encoder's levels, and a frame whose pairs
do not differ clearly everywhere (a picture in the middle of a blend, a broken decode) is
rejected instead of being misread. Blocks are 40 px: many macroblocks each, so compression
does not blur them together.

  blocks.py filter    prints the ffmpeg filter chain that draws the code (frame number n)
  blocks.py layout    prints the layout as JSON
"""
import json
import sys

WIDTH, HEIGHT = 640, 360
BITS = 16          # 65,536 frames: 36 minutes at 30 fps
BLOCK = 40         # BITS * BLOCK == WIDTH
SAMPLE = 20        # the centre SAMPLE x SAMPLE pixels of a block are averaged
MIN_CONTRAST = 60  # of 255: every pair must differ at least this much
STRIP_HEIGHT = 2 * BLOCK


def ffmpeg_filter():
    parts = [f"drawbox=x=0:y=0:w={WIDTH}:h={STRIP_HEIGHT}:color=black:t=fill"]
    for k in range(BITS):
        bit = f"mod(floor(n/{1 << (BITS - 1 - k)}),2)"
        parts.append(f"drawbox=x={k * BLOCK}:y=0:w={BLOCK}:h={BLOCK}:color=white:t=fill:"
                     f"enable='{bit}'")
        parts.append(f"drawbox=x={k * BLOCK}:y={BLOCK}:w={BLOCK}:h={BLOCK}:color=white:t=fill:"
                     f"enable='1-{bit}'")
    return ",".join(parts)


def layout():
    return {"width": WIDTH, "height": HEIGHT, "bits": BITS, "block": BLOCK, "sample": SAMPLE,
            "minContrast": MIN_CONTRAST, "stripHeight": STRIP_HEIGHT}


def _block_mean(gray, stride, x0, y0):
    off = (BLOCK - SAMPLE) // 2
    total = 0
    for y in range(y0 + off, y0 + off + SAMPLE):
        row = y * stride
        total += sum(gray[row + x0 + off:row + x0 + off + SAMPLE])
    return total / (SAMPLE * SAMPLE)


def read_counter(gray, stride=WIDTH):
    """The frame number in a luma plane (bytes, rows of `stride`, at least STRIP_HEIGHT rows),
    or None when the code is not clearly readable."""
    value = 0
    for k in range(BITS):
        top = _block_mean(gray, stride, k * BLOCK, 0)
        bottom = _block_mean(gray, stride, k * BLOCK, BLOCK)
        if abs(top - bottom) < MIN_CONTRAST:
            return None
        value = (value << 1) | (1 if top > bottom else 0)
    return value


if __name__ == "__main__":
    if sys.argv[1:] == ["filter"]:
        print(ffmpeg_filter())
    elif sys.argv[1:] == ["layout"]:
        print(json.dumps(layout()))
    else:
        sys.exit(__doc__)
