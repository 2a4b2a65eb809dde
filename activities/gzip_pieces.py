"""One gzip file put together from pieces compressed one at a time.

A network's calendar feed is 2.4 MB of text kept in the cache as one piece per activity
(views/feeds.py). Compressing the whole document again after every write took longer than
everything else the feed does, so each piece is compressed once, when it is kept, as raw
deflate data ending on a byte boundary without closing the stream (a "sync flush"). Such
pieces may follow each other in one deflate stream: a gzip file is a header, the pieces, an
empty final block and the CRC-32 and length of the whole text. The CRC-32 of the whole is
worked out from the pieces' own (zlib has crc32_combine, Python does not expose it), so the
text itself is never needed again.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from dataclasses import dataclass

#: gzip's header: deflate, no name or time, "unknown" operating system (RFC 1952).
_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"
#: An empty final block with fixed codes: ends the deflate stream.
_LAST_BLOCK = b"\x03\x00"
_ZEROS = bytes(1 << 16)


@dataclass(frozen=True)
class Piece:
    """Part of a text, compressed: raw deflate data, and the CRC-32 and length of the text."""

    data: bytes
    crc: int
    size: int


def compress(text: bytes, level: int = 6) -> Piece:
    compressor = zlib.compressobj(level, zlib.DEFLATED, -zlib.MAX_WBITS)
    data = compressor.compress(text) + compressor.flush(zlib.Z_SYNC_FLUSH)
    return Piece(data, zlib.crc32(text), len(text))


def gzip_file(pieces: Iterable[Piece]) -> bytes:
    """The gzip file of the pieces' texts one after the other."""
    parts, crc, size = [_HEADER], 0, 0
    for piece in pieces:
        parts.append(piece.data)
        crc = _combined_crc(crc, piece.crc, piece.size)
        size += piece.size
    parts += [_LAST_BLOCK, crc.to_bytes(4, "little"), (size & 0xFFFFFFFF).to_bytes(4, "little")]
    return b"".join(parts)


def _combined_crc(first: int, second: int, second_size: int) -> int:
    """CRC-32 of A followed by B from those of A and B: CRC-32 is affine in its starting
    value, so running B's length of zero bytes from A's CRC and from 0 tells the part
    that A contributes."""
    return _run_zeros(second_size, first) ^ _run_zeros(second_size, 0) ^ second


def _run_zeros(count: int, crc: int) -> int:
    view = memoryview(_ZEROS)
    while count:
        step = min(count, len(_ZEROS))
        crc = zlib.crc32(view[:step], crc)
        count -= step
    return crc
