#!/usr/bin/env python3
"""Writes the seed corpora of the RTMP fuzzers (corpus/<fuzzer>/*.bin).

The chunk stream seeds are what a publisher sends after the handshake, modelled on an ffmpeg
publish: connect, releaseStream, FCPublish, createStream, publish, @setDataFrame/onMetaData, AVC
and AAC sequence headers and frames, deleteStream. They use every chunk header type, extended
timestamps, a chunk size change and an Abort. The FLV seeds (flv_remux_fuzz) are files as the RTMP
server writes them: H.264 and AAC, audio-only, video-only, clock jumps, and hostile tags;
ffmpeg_tiny.bin beside them is a real ffmpeg FLV (testsrc 32x32, 0.3 s, libx264 + AAC), kept
as made, and so is scaling_list_overflow.bin, an input the fuzzer found (an SPS scaling list
whose delta overflowed; flv_remux_test has its SPS too). Run it again after changing it; keep
seeds small.
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def amf_str(s):
    b = s.encode()
    return b"\x02" + struct.pack(">H", len(b)) + b


def amf_num(x):
    return b"\x00" + struct.pack(">d", x)


def amf_bool(v):
    return b"\x01" + (b"\x01" if v else b"\x00")


AMF_NULL = b"\x05"


def amf_props(props):
    out = b""
    for k, v in props:
        kb = k.encode()
        out += struct.pack(">H", len(kb)) + kb + v
    return out + b"\x00\x00\x09"


def amf_obj(props):
    return b"\x03" + amf_props(props)


def amf_ecma(props):
    return b"\x08" + struct.pack(">I", len(props)) + amf_props(props)


def basic(fmt, csid):
    if csid < 64:
        return bytes([fmt << 6 | csid])
    if csid < 320:
        return bytes([fmt << 6, csid - 64])
    return bytes([fmt << 6 | 1, (csid - 64) & 0xFF, (csid - 64) >> 8])


class Writer:
    """Chunks messages, compressing headers the way encoders do (type 1/2/3 when it can)."""

    def __init__(self):
        self.out = b""
        self.chunk_size = 128
        self.prev = {}  # csid -> (timestamp, delta, length, type, msid)

    def send(self, csid, ts, mtype, msid, payload, force_type0=False):
        length = len(payload)
        prev = self.prev.get(csid)
        if prev is None or force_type0 or prev[4] != msid or ts < prev[0]:
            fmt, field = 0, ts
        else:
            delta = ts - prev[0]
            if prev[2] == length and prev[3] == mtype:
                fmt = 3 if delta == prev[1] else 2
            else:
                fmt = 1
            field = delta
        ext = field >= 0xFFFFFF
        f24 = 0xFFFFFF if ext else field
        header = basic(fmt, csid)
        if fmt <= 2:
            header += f24.to_bytes(3, "big")
        if fmt <= 1:
            header += length.to_bytes(3, "big") + bytes([mtype])
        if fmt == 0:
            header += struct.pack("<I", msid)
        if fmt == 3:
            ext = prev is not None and prev[5]
        if ext:
            header += struct.pack(">I", field)
        self.out += header + payload[: self.chunk_size]
        pos = self.chunk_size
        while pos < length:
            self.out += basic(3, csid) + (struct.pack(">I", field) if ext else b"")
            self.out += payload[pos : pos + self.chunk_size]
            pos += self.chunk_size
        is_ext = ext if fmt != 3 else prev[5]
        self.prev[csid] = (ts, field, length, mtype, msid, is_ext)

    def set_chunk_size(self, size):
        self.send(2, 0, 1, 0, struct.pack(">I", size))
        self.chunk_size = size


def connect_commands(w, key):
    w.send(3, 0, 20, 0, amf_str("connect") + amf_num(1) + amf_obj([
        ("app", amf_str("live")),
        ("type", amf_str("nonprivate")),
        ("flashVer", amf_str("FMLE/3.0 (compatible; Lavf59.27.100)")),
        ("tcUrl", amf_str("rtmp://127.0.0.1:1935/live")),
    ]))
    w.send(3, 0, 20, 0, amf_str("releaseStream") + amf_num(2) + AMF_NULL + amf_str(key))
    w.send(3, 0, 20, 0, amf_str("FCPublish") + amf_num(3) + AMF_NULL + amf_str(key))
    w.send(3, 0, 20, 0, amf_str("createStream") + amf_num(4) + AMF_NULL)
    w.send(8, 0, 20, 1, amf_str("publish") + amf_num(5) + AMF_NULL + amf_str(key) +
           amf_str("live"))


def metadata():
    return amf_str("@setDataFrame") + amf_str("onMetaData") + amf_ecma([
        ("duration", amf_num(0)), ("width", amf_num(1280)), ("height", amf_num(720)),
        ("videodatarate", amf_num(2500)), ("framerate", amf_num(30)),
        ("videocodecid", amf_num(7)), ("audiodatarate", amf_num(128)),
        ("audiosamplerate", amf_num(48000)), ("audiosamplesize", amf_num(16)),
        ("stereo", amf_bool(True)), ("audiocodecid", amf_num(10)),
        ("encoder", amf_str("Lavf59.27.100")), ("filesize", amf_num(0)),
    ])


AVC_SEQUENCE = bytes([0x17, 0, 0, 0, 0, 1, 0x64, 0, 0x1F, 0xFF, 0xE1, 0, 4, 0x67, 0x64, 0, 0x1F,
                      1, 0, 4, 0x68, 0xEE, 0x3C, 0x80])
AAC_SEQUENCE = bytes([0xAF, 0, 0x11, 0x90])


def frame(key, size, seed):
    head = bytes([0x17 if key else 0x27, 1, 0, 0, 0]) + struct.pack(">I", size - 9)
    return head + bytes((seed + i * 31) & 0xFF for i in range(size - 9))


def publish_stream(chunk_size, start_ts, frames):
    w = Writer()
    if chunk_size != 128:
        w.set_chunk_size(chunk_size)
    connect_commands(w, "k3yS3cret0123456789abcdef")
    w.send(4, start_ts, 18, 1, metadata())
    w.send(6, start_ts, 9, 1, AVC_SEQUENCE)
    w.send(4, start_ts, 8, 1, AAC_SEQUENCE, force_type0=True)
    for i in range(frames):
        ts = start_ts + i * 33
        w.send(6, ts, 9, 1, frame(i % 10 == 0, 1500 if i % 10 == 0 else 300, i))
        w.send(4, start_ts + i * 21, 8, 1, bytes([0xAF, 1]) + bytes(range(40)))
    w.send(8, 0, 20, 1, amf_str("FCUnpublish") + amf_num(6) + AMF_NULL + amf_str("k"),
           force_type0=True)
    w.send(8, 0, 20, 1, amf_str("deleteStream") + amf_num(7) + AMF_NULL + amf_num(1))
    return w.out


def refused_stream(video):
    """What the codec check refuses: enhanced-RTMP HEVC, or audio only (metadata without video)."""
    w = Writer()
    w.set_chunk_size(4096)
    connect_commands(w, "k3yS3cret0123456789abcdef")
    props = [("duration", amf_num(0)), ("audiocodecid", amf_num(10))]
    if video:
        props.insert(1, ("videocodecid", amf_num(0x68766331)))  # 'hvc1' as a number
    w.send(4, 0, 18, 1, amf_str("@setDataFrame") + amf_str("onMetaData") + amf_ecma(props))
    w.send(4, 0, 8, 1, AAC_SEQUENCE, force_type0=True)
    if video:
        w.send(6, 0, 9, 1, bytes([0x90]) + b"hvc1" + bytes([1, 0x60, 0x01]))
        w.send(6, 33, 9, 1, bytes([0x91]) + b"hvc1" + bytes(range(60)))
    for i in range(6):
        w.send(4, i * 21, 8, 1, bytes([0xAF, 1]) + bytes(range(40)))
    return w.out


HVCC = bytes([0x01, 0x01, 0x60, 0, 0, 0, 0x90, 0, 0, 0, 0, 0, 0x3F, 0xF0, 0x00, 0xFC, 0xFD,
              0xF8, 0xF8, 0x00, 0x00, 0x0F, 0x03,
              0xA0, 0, 1, 0, 6, 0x40, 0x01, 0x0C, 0x01, 0xFF, 0xFF,
              0xA1, 0, 1, 0, 18, 0x42, 0x01, 0x01, 0x01, 0x60, 0, 0, 3, 0, 0x90, 0, 0, 3, 0, 0,
              3, 0, 0x3F,
              0xA2, 0, 1, 0, 7, 0x44, 0x01, 0xC1, 0x72, 0xB4, 0x62, 0x40])


def hevc_stream(malformed):
    """Enhanced-RTMP HEVC as OBS 30 sends it (sequence start with an hvcC, CodedFrames with a
    composition time, CodedFramesX, HDR metadata, a command frame, the sequence end), or the
    same with malformed ex-headers (a cut FourCC, coded frames without their composition time,
    a truncated record)."""
    w = Writer()
    w.set_chunk_size(4096)
    connect_commands(w, "k3yS3cret0123456789abcdef")
    w.send(4, 0, 18, 1, metadata())
    w.send(4, 0, 8, 1, AAC_SEQUENCE, force_type0=True)
    if malformed:
        w.send(6, 0, 9, 1, bytes([0x90]) + b"hvc1" + HVCC[:30])
        w.send(6, 0, 9, 1, bytes([0x90]) + b"hv")
        w.send(6, 33, 9, 1, bytes([0xA1]) + b"hvc1" + bytes([0]))
        w.send(6, 66, 9, 1, bytes([0x9F]) + b"hvc1")
    else:
        w.send(6, 0, 9, 1, bytes([0x90]) + b"hvc1" + HVCC)
    for i in range(8):
        ts = i * 33
        nal = bytes([0x26, 0x01]) if i % 4 == 0 else bytes([0x02, 0x01])
        body = struct.pack(">I", len(nal) + 20) + nal + bytes((i * 7 + j) & 0xFF for j in range(20))
        if i % 2 == 0:
            head = bytes([0x91 if i % 4 == 0 else 0xA1]) + b"hvc1" + (66).to_bytes(3, "big")
        else:
            head = bytes([0xA3]) + b"hvc1"
        w.send(6, ts, 9, 1, head + body)
        w.send(4, i * 21, 8, 1, bytes([0xAF, 1]) + bytes(range(40)))
    w.send(6, 300, 9, 1, bytes([0x94]) + b"hvc1" + amf_str("colorInfo") + amf_obj([]))
    w.send(6, 300, 9, 1, bytes([0xD0, 0x01]))
    w.send(6, 333, 9, 1, bytes([0x92]) + b"hvc1")
    return w.out


def abort_stream():
    w = Writer()
    connect_commands(w, "key")
    # Half of a video message on csid 6, then Abort(6), then a whole one.
    w.out += basic(0, 6) + (0).to_bytes(3, "big") + (300).to_bytes(3, "big") + b"\x09"
    w.out += struct.pack("<I", 1) + bytes(128)
    w.send(2, 0, 2, 0, struct.pack(">I", 6))
    w.prev.pop(6, None)
    w.send(6, 40, 9, 1, frame(True, 200, 1))
    return w.out


# The native passthrough engine's input (flv_remux_fuzz): FLV files as the RTMP server writes
# them. A real x264 configuration record (High 4:4:4, 32x32) and an 8 kHz mono AAC-LC config.
AVCC = bytes.fromhex("01f4000affe1001667f4000a9196896c0440000003004000000503c489a801000568ce0f1920fff8f800")
ASC = bytes.fromhex("1588")


def flv_tag(kind, ts, body):
    return (bytes([kind]) + struct.pack(">I", len(body))[1:] + struct.pack(">I", ts & 0xFFFFFF)[1:] +
            bytes([(ts >> 24) & 0xFF]) + b"\0\0\0" + body + struct.pack(">I", 11 + len(body)))


def flv(flags, tags):
    return b"FLV\x01" + bytes([flags]) + struct.pack(">I", 9) + b"\0\0\0\0" + b"".join(tags)


def avc(key, cts, nals, lengths=None):
    units = b""
    for i, n in enumerate(nals):
        length = len(n) if lengths is None else lengths[i]
        units += struct.pack(">I", length) + n
    return bytes([0x17 if key else 0x27, 1]) + struct.pack(">i", cts)[1:] + units


def aac(raw):
    return b"\xaf\x01" + raw


def flv_stream(flags=5, jump=False):
    tags = [flv_tag(9, 0, b"\x17\x00\x00\x00\x00" + AVCC), flv_tag(8, 0, b"\xaf\x00" + ASC)]
    ts = 0
    for i in range(8):
        if jump and i == 4:
            ts = 0x7FFFFF00  # An encoder clock jumping far ahead, then back.
        if jump and i == 6:
            ts = 10
        key = i % 4 == 0
        nal = (b"\x65" if key else b"\x41") + bytes((i * 7 + j) & 0xFF for j in range(24))
        if flags & 1:
            tags.append(flv_tag(9, ts, avc(key, 66 if i % 2 else 0, [b"\x09\xf0", nal])))
        if flags & 4:
            tags.append(flv_tag(8, ts, aac(bytes(range(i, i + 20)))))
        ts += 33
    return flv(flags, tags)


def flv_hostile():
    return flv(5, [
        flv_tag(9, 0, b"\x17\x00\x00\x00\x00" + AVCC[:9]),             # configuration cut short
        flv_tag(9, 0, b"\x17\x00\x00\x00\x00" + AVCC),
        flv_tag(9, 0, avc(True, 0, [b"\x65\x88\x84"], lengths=[4000])),  # a NAL past the frame
        flv_tag(9, 33, avc(False, 0, [b"\x41\x9a"], lengths=[0])),       # a zero-length NAL
        flv_tag(9, 66, b"\x17\x01\x00"),                                 # header cut short
        flv_tag(8, 0, b"\xaf\x00\x17\x88"),                             # explicit frequency
        flv_tag(8, 0, b"\xaf\x00" + ASC),
        flv_tag(8, 20, aac(bytes(8200))),                                 # too long for ADTS
        flv_tag(8, 40, b"\x2f\x01\x00"),                                 # MP3
    ]) + b"\x09\xff\xff\xff\x00\x00\x00\x00\x00\x00\x00\x01\x02"  # a tag claiming 16 MiB


def write(fuzzer, name, data):
    folder = os.path.join(HERE, "corpus", fuzzer)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


def main():
    write("rtmp_chunk_fuzz", "publish_ffmpeg_like.bin", publish_stream(4096, 0, 12))
    write("rtmp_chunk_fuzz", "publish_small_chunks.bin", publish_stream(128, 1000, 6))
    write("rtmp_chunk_fuzz", "publish_extended_ts.bin", publish_stream(256, 0x1000000, 6))
    write("rtmp_chunk_fuzz", "abort.bin", abort_stream())
    write("rtmp_chunk_fuzz", "publish_hevc_enhanced.bin", refused_stream(True))
    write("rtmp_chunk_fuzz", "publish_audio_only.bin", refused_stream(False))
    write("rtmp_chunk_fuzz", "publish_hevc_obs_like.bin", hevc_stream(False))
    write("rtmp_chunk_fuzz", "publish_hevc_malformed.bin", hevc_stream(True))
    write("flv_remux_fuzz", "h264_aac.bin", flv_stream())
    write("flv_remux_fuzz", "audio_only.bin", flv_stream(flags=4))
    write("flv_remux_fuzz", "video_only.bin", flv_stream(flags=1))
    write("flv_remux_fuzz", "timestamp_jumps.bin", flv_stream(jump=True))
    write("flv_remux_fuzz", "hostile.bin", flv_hostile())
    write("amf0_fuzz", "connect.bin", amf_str("connect") + amf_num(1) + amf_obj([
        ("app", amf_str("live")), ("tcUrl", amf_str("rtmp://127.0.0.1/live")),
        ("fpad", amf_bool(False)), ("capabilities", amf_num(15))]))
    write("amf0_fuzz", "publish.bin",
          amf_str("publish") + amf_num(5) + AMF_NULL + amf_str("key") + amf_str("live"))
    write("amf0_fuzz", "metadata.bin", metadata())
    write("amf0_fuzz", "all_types.bin",
          b"\x06" + b"\x0A" + struct.pack(">I", 3) + amf_num(-1.5) + amf_str("") + AMF_NULL +
          b"\x0B" + struct.pack(">d", 1.7e12) + struct.pack(">h", -60) +
          b"\x0C" + struct.pack(">I", 4) + b"long" +
          amf_obj([("nested", amf_obj([("deeper", amf_ecma([("x", amf_num(1))]))]))]))


if __name__ == "__main__":
    main()
