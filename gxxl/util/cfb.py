"""A minimal [MS-CFB] (compound file, version 3) writer.

Used by the reader's guard (a fresh compound file around a checked .xls workbook stream)
and by the add-in builder (the VBA project).
"""
from __future__ import annotations

import struct
from dataclasses import dataclass, field

# ---------------------------------------------------------------------------
# Compound File Binary writer (MS-CFB, version 3)
# ---------------------------------------------------------------------------

_FREE, _END, _FATSECT = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
_NOSTREAM = 0xFFFFFFFF
_SECTOR = 512
_MINI = 64
_CUTOFF = 4096


@dataclass
class _Entry:
    name: str
    kind: int  # 1 storage, 2 stream, 5 root
    data: bytes = b""
    children: list["_Entry"] = field(default_factory=list)
    left: int = _NOSTREAM
    right: int = _NOSTREAM
    child: int = _NOSTREAM
    red: bool = False
    start: int = _END
    index: int = 0


def _cfb_key(name: str) -> tuple[int, str]:
    return (len(name), name.upper())


def _tree(entries: list[_Entry]) -> int:
    """Balanced red-black sibling tree; returns the root's index."""
    items = sorted(entries, key=lambda e: _cfb_key(e.name))
    depth_of: dict[int, int] = {}

    def build(lo: int, hi: int, depth: int) -> int:
        if lo >= hi:
            return _NOSTREAM
        mid = (lo + hi) // 2
        e = items[mid]
        depth_of[id(e)] = depth
        e.left = build(lo, mid, depth + 1)
        e.right = build(mid + 1, hi, depth + 1)
        return e.index

    root = build(0, len(items), 0)
    deepest = max(depth_of.values(), default=0)
    for e in items:  # the deepest level red keeps every path's black count equal
        e.red = deepest > 0 and depth_of[id(e)] == deepest
    return root


def write_cfb(streams: dict[str, bytes]) -> bytes:
    """A compound file holding ``streams`` ('PROJECT', 'VBA/dir', …); storages are implied."""
    root = _Entry("Root Entry", 5)
    storages: dict[str, _Entry] = {"": root}
    for path in streams:
        parts = path.split("/")
        for k in range(1, len(parts)):
            key = "/".join(parts[:k])
            if key not in storages:
                st = _Entry(parts[k - 1], 1)
                storages["/".join(parts[:k - 1])].children.append(st)
                storages[key] = st
        storages["/".join(parts[:-1])].children.append(_Entry(parts[-1], 2, streams[path]))
    order: list[_Entry] = []

    def walk(e: _Entry) -> None:
        e.index = len(order)
        order.append(e)
        for ch in e.children:
            walk(ch)

    walk(root)
    for e in order:
        if e.children:
            e.child = _tree(e.children)
    # mini stream for small streams, regular sectors for the rest
    mini = bytearray()
    minifat: list[int] = []
    big: list[_Entry] = []
    for e in order:
        if e.kind != 2:
            continue
        if len(e.data) < _CUTOFF:
            if not e.data:
                e.start = _END
                continue
            first = len(minifat)
            n = -(-len(e.data) // _MINI)
            minifat += [first + k + 1 for k in range(n - 1)] + [_END]
            e.start = first
            mini += e.data + b"\0" * (n * _MINI - len(e.data))
        else:
            big.append(e)

    def nsec(size: int) -> int:
        return -(-size // _SECTOR)

    n_dir = nsec(len(order) * 128)
    n_minifat = nsec(len(minifat) * 4)
    n_mini = nsec(len(mini))
    n_big = sum(nsec(len(e.data)) for e in big)
    n_fat = 1
    while (n_fat + n_dir + n_minifat + n_mini + n_big) > n_fat * 128:
        n_fat += 1
    if n_fat > 109:
        raise ValueError("VBA project too large for this writer")
    fat: list[int] = [_FATSECT] * n_fat
    sectors: list[bytes] = []

    def place(data: bytes) -> int:
        n = nsec(len(data))
        if n == 0:
            return _END
        first = n_fat + len(sectors)
        for k in range(n):
            sectors.append(data[k * _SECTOR:(k + 1) * _SECTOR].ljust(_SECTOR, b"\0"))
            fat.append(first + k + 1 if k < n - 1 else _END)
        return first

    dir_first = n_fat  # placed first, filled in below
    for _ in range(n_dir):
        sectors.append(b"")
        fat.append(0)
    for k in range(n_dir):
        fat[dir_first + k] = dir_first + k + 1 if k < n_dir - 1 else _END
    minifat_first = place(b"".join(struct.pack("<I", x) for x in minifat)) if minifat else _END
    root.start = place(bytes(mini)) if mini else _END
    for e in big:
        e.start = place(e.data)
    fat += [_FREE] * (n_fat * 128 - len(fat))
    # directory
    d = bytearray()
    for e in order:
        name = e.name.encode("utf-16-le")
        size = len(mini) if e.kind == 5 else (len(e.data) if e.kind == 2 else 0)
        d += name.ljust(64, b"\0")
        d += struct.pack("<HBB", len(name) + 2, e.kind, 0 if e.red else 1)
        d += struct.pack("<III", e.left, e.right, e.child)
        d += b"\0" * 16 + b"\0" * 4 + b"\0" * 16
        d += struct.pack("<IQ", e.start if e.kind != 1 else 0, size)
    while len(d) < n_dir * _SECTOR:
        d += (b"\0" * 64 + struct.pack("<HBB", 0, 0, 0) + struct.pack("<III", _NOSTREAM, _NOSTREAM, _NOSTREAM)
              + b"\0" * 52)
    for k in range(n_dir):
        sectors[k] = bytes(d[k * _SECTOR:(k + 1) * _SECTOR])
    header = bytearray()
    header += bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 16
    header += struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + b"\0" * 6
    header += struct.pack("<IIIIIIIII", 0, n_fat, dir_first, 0, _CUTOFF, minifat_first,
                          n_minifat if minifat else 0, _END, 0)
    difat = list(range(n_fat)) + [_FREE] * (109 - n_fat)
    header += b"".join(struct.pack("<I", x) for x in difat)
    assert len(header) == 512
    fat_bytes = b"".join(struct.pack("<I", x) for x in fat)
    return bytes(header) + fat_bytes + b"".join(sectors)
