"""Just enough of [MS-OVBA] and [MS-CFB] to re-serialise a VBA project.

Used by ``gxxl addin build`` to turn the ribbon add-in skeleton that the
installed xlwings package ships into the gxxl add-in: read its
``vbaProject.bin``, keep every module's *source*, replace the skeleton's ribbon
module by gxxl's, and write a new compound file. Like the skeleton itself
(whose ``_VBA_PROJECT`` stream already says version 0xFFFF), the result
carries source only and no compiled p-code, so Office compiles it on load.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass

from ..util.cfb import write_cfb

# ---------------------------------------------------------------------------
# Compression (MS-OVBA 2.4.1)
# ---------------------------------------------------------------------------

_CHUNK = 4096


def _copy_token_bits(pos: int) -> int:
    """Bits used for the offset of a copy token at ``pos`` bytes into a chunk."""
    bits = max((pos - 1).bit_length(), 4)
    return bits


def decompress(data: bytes) -> bytes:
    if not data or data[0] != 1:
        raise ValueError("not a compressed VBA container")
    out = bytearray()
    i = 1
    while i < len(data):
        header = struct.unpack_from("<H", data, i)[0]
        size = (header & 0x0FFF) + 3
        compressed = header & 0x8000
        chunk_end = min(i + size, len(data))
        i += 2
        start = len(out)
        if not compressed:
            out += data[i:i + _CHUNK]
            i += _CHUNK
            continue
        while i < chunk_end:
            flags = data[i]
            i += 1
            for bit in range(8):
                if i >= chunk_end:
                    break
                if not flags & (1 << bit):
                    out.append(data[i])
                    i += 1
                else:
                    token = struct.unpack_from("<H", data, i)[0]
                    i += 2
                    bits = _copy_token_bits(len(out) - start)
                    length = (token & (0xFFFF >> bits)) + 3
                    offset = (token >> (16 - bits)) + 1
                    src = len(out) - offset
                    for k in range(length):
                        out.append(out[src + k])
    return bytes(out)


def _compress_chunk(chunk: bytes) -> bytes:
    out = bytearray()
    heads: dict[bytes, list[int]] = {}
    pos = 0
    n = len(chunk)
    while pos < n:
        flag_at = len(out)
        out.append(0)
        flags = 0
        for bit in range(8):
            if pos >= n:
                break
            best_len, best_off = 0, 0
            if pos > 0 and pos + 3 <= n:
                bits = _copy_token_bits(pos)
                max_len = (0xFFFF >> bits) + 3
                for cand in reversed(heads.get(chunk[pos:pos + 3], [])[-64:]):
                    length = 0
                    limit = min(max_len, n - pos)
                    while length < limit and chunk[cand + length] == chunk[pos + length]:
                        length += 1
                    if length > best_len:
                        best_len, best_off = length, pos - cand
                        if length == limit:
                            break
            if best_len >= 3:
                bits = _copy_token_bits(pos)
                token = ((best_off - 1) << (16 - bits)) | (best_len - 3)
                out += struct.pack("<H", token)
                flags |= 1 << bit
                for k in range(best_len):
                    if pos + k + 3 <= n:
                        heads.setdefault(chunk[pos + k:pos + k + 3], []).append(pos + k)
                pos += best_len
            else:
                if pos + 3 <= n:
                    heads.setdefault(chunk[pos:pos + 3], []).append(pos)
                out.append(chunk[pos])
                pos += 1
        out[flag_at] = flags
    return bytes(out)


def compress(data: bytes) -> bytes:
    out = bytearray(b"\x01")
    for start in range(0, len(data), _CHUNK):
        chunk = data[start:start + _CHUNK]
        body = _compress_chunk(chunk)
        if len(body) + 2 > 4098 or (len(body) >= _CHUNK and len(chunk) == _CHUNK):
            if len(chunk) != _CHUNK:
                raise ValueError("incompressible final chunk")
            out += struct.pack("<H", 0x3FFF) + chunk  # raw chunk
        else:
            out += struct.pack("<H", 0xB000 | (len(body) + 2 - 3)) + body
    return bytes(out)


# ---------------------------------------------------------------------------
# The VBA project (dir stream records, PROJECT and PROJECTwm streams)
# ---------------------------------------------------------------------------


@dataclass
class Module:
    name: str
    stream: str
    source: bytes  # in the project code page, CRLF line ends
    records: list[tuple[int, bytes]]  # the dir-stream records of this module (id, data)


def _records(d: bytes) -> list[tuple[int, bytes]]:
    out = []
    i = 0
    while i + 6 <= len(d):
        rid, size = struct.unpack_from("<HI", d, i)
        if rid == 0x0009:  # PROJECTVERSION: Reserved=4, then 6 bytes
            size = 6
        out.append((rid, d[i + 6:i + 6 + size]))
        i += 6 + size
    return out


def _pack(records: list[tuple[int, bytes]]) -> bytes:
    out = bytearray()
    for rid, data in records:
        size = 4 if rid == 0x0009 else len(data)
        out += struct.pack("<HI", rid, size) + data
    return bytes(out)


class VbaProject:
    """A VBA project read from a vbaProject.bin, editable, writable as source-only."""

    def __init__(self, streams: dict[str, bytes]) -> None:
        self.streams = dict(streams)
        recs = _records(decompress(streams["VBA/dir"]))
        self.codepage = "cp1252"
        for rid, data in recs:
            if rid == 0x0003:
                self.codepage = f"cp{struct.unpack('<H', data)[0]}"
        k = next(i for i, (rid, _) in enumerate(recs) if rid == 0x000F)
        self.head = recs[:k]  # information and references, kept verbatim
        self.modules: list[Module] = []
        cur: list[tuple[int, bytes]] = []
        for rid, data in recs[k + 2:]:  # after PROJECTMODULES and PROJECTCOOKIE
            if rid == 0x0010:
                break
            cur.append((rid, data))
            if rid == 0x002B:
                name = next(d for r, d in cur if r == 0x0019).decode(self.codepage)
                stream = next(d for r, d in cur if r == 0x001A).decode(self.codepage)
                offset = struct.unpack("<I", next(d for r, d in cur if r == 0x0031))[0]
                raw = streams[f"VBA/{stream}"]
                self.modules.append(Module(name, stream, decompress(raw[offset:]), cur))
                cur = []

    @classmethod
    def from_bin(cls, data: bytes) -> "VbaProject":
        import io

        import olefile

        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            streams = {"/".join(p): ole.openstream(p).read() for p in ole.listdir(streams=True, storages=False)}
        return cls(streams)

    # -- editing -----------------------------------------------------------
    def module(self, name: str) -> Module:
        return next(m for m in self.modules if m.name == name)

    def project_text(self) -> str:
        return self.streams["PROJECT"].decode(self.codepage)

    def set_project_text(self, text: str) -> None:
        self.streams["PROJECT"] = text.encode(self.codepage)

    def rename_project(self, new: str) -> None:
        old = next(d for r, d in self.head if r == 0x0004).decode(self.codepage)
        self.head = [(r, new.encode(self.codepage) if r == 0x0004 else d) for r, d in self.head]
        self.set_project_text(self.project_text().replace(f'Name="{old}"', f'Name="{new}"'))

    def replace_module(self, old: str, new: str, source: str) -> None:
        """Swap a standard module for another one (new name, new source)."""
        m = self.module(old)
        cp = self.codepage
        enc = new.encode(cp)
        uni = new.encode("utf-16-le")
        recs = []
        for rid, data in m.records:
            if rid in (0x0019, 0x001A):
                data = enc
            elif rid in (0x0047, 0x0032):
                data = uni
            recs.append((rid, data))
        self.streams.pop(f"VBA/{m.stream}", None)
        m.name, m.stream, m.records = new, new, recs
        m.source = source.replace("\r\n", "\n").replace("\n", "\r\n").encode(cp)
        text = self.project_text().replace(f"Module={old}\r\n", f"Module={new}\r\n")
        lines = [ln for ln in text.split("\r\n") if not ln.startswith(f"{old}=")]
        text = "\r\n".join(lines)
        text = text.replace("[Workspace]\r\n", f"[Workspace]\r\n{new}=0, 0, 0, 0, C\r\n")
        self.set_project_text(text)
        wm = self.streams.get("PROJECTwm")
        if wm is not None:
            self.streams["PROJECTwm"] = wm.replace(old.encode(cp) + b"\0" + old.encode("utf-16-le") + b"\0\0",
                                                   enc + b"\0" + uni + b"\0\0")

    # -- writing -----------------------------------------------------------
    def to_bin(self) -> bytes:
        recs = list(self.head)
        recs.append((0x000F, struct.pack("<H", len(self.modules))))
        recs.append((0x0013, struct.pack("<H", 0xFFFF)))
        streams = {k: v for k, v in self.streams.items()
                   if not k.startswith("VBA/") or k in ("VBA/_VBA_PROJECT",)}
        for m in self.modules:
            for rid, data in m.records:
                if rid == 0x0031:
                    data = struct.pack("<I", 0)  # source only: no performance cache
                recs.append((rid, data))
            streams[f"VBA/{m.stream}"] = compress(m.source)
        recs.append((0x0010, b""))
        dir_stream = _pack(recs)  # the terminator record's "size" is the trailing Reserved u32 0
        streams["VBA/dir"] = compress(dir_stream)
        # Version 0xFFFF: Office ignores any cache and compiles from source.
        vp = self.streams.get("VBA/_VBA_PROJECT", b"\xCC\x61\xFF\xFF\x00\x01\x00")
        streams["VBA/_VBA_PROJECT"] = vp[:2] + b"\xFF\xFF" + vp[4:7]
        return write_cfb(streams)
