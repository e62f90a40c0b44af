"""Checks that run on the raw bytes before DuckDB reads a file.

One streaming pass counts physical lines and proves the file is UTF-8; only when it is not does a
second pass transcode it, decoding each invalid byte as Windows-1252 (the usual culprit in CAD
exports) and remembering which lines were touched so those rows carry `transcoded_cp1252`.
"""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from altresponse.errors import BadInput

CHUNK = 16 * 1024 * 1024


@dataclass
class TextInfo:
    """What the byte pass learned about a file."""

    physical_lines: int
    valid_utf8: bool
    header: list[str]
    has_bom: bool
    transcoded_lines: list[int] = field(default_factory=list)


def _cp1252_fallback(err: UnicodeError) -> tuple[str, int]:
    assert isinstance(err, UnicodeDecodeError)
    bad = err.object[err.start : err.end]
    # Bytes cp1252 leaves undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D) keep their Latin-1 code point.
    return "".join(bytes([b]).decode("cp1252", errors="ignore") or chr(b) for b in bad), err.end


codecs.register_error("altresponse_cp1252", _cp1252_fallback)


def inspect_file(path: Path, delimiter: str = ",") -> TextInfo:
    """Reject what is not a CSV, read the header, count lines and check UTF-8, in one pass."""
    if not path.exists():
        raise BadInput("file not found", file=str(path))
    if path.is_dir():
        raise BadInput("is a folder, expected a CSV file", file=str(path))
    size = path.stat().st_size
    if size == 0:
        raise BadInput("file is empty; expected a CSV file with a header line", file=str(path))
    with open(path, "rb") as fh:
        head = fh.read(65536)
    if b"\x00" in head:
        raise BadInput(
            "file is binary (it holds NUL bytes), expected a CSV text file", file=str(path), line=1
        )
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not stripped:
        raise BadInput("file holds only blank lines; expected a CSV file with a header line", file=str(path))
    if stripped[:1] in (b"{", b"["):
        raise BadInput(
            "file looks like JSON, expected a CSV file (for NENA EIDO JSON use --source eido)",
            file=str(path),
            line=1,
        )
    has_bom = head.startswith(b"\xef\xbb\xbf")
    first_line = head.split(b"\n", 1)[0].rstrip(b"\r")
    if has_bom:
        first_line = first_line[3:]
    header_text = first_line.decode("utf-8", errors="altresponse_cp1252")
    try:
        header = next(csv.reader(io.StringIO(header_text), delimiter=delimiter))
    except (csv.Error, StopIteration) as exc:
        raise BadInput(f"header line is not CSV: {exc}", file=str(path), line=1) from exc
    header = [h.strip() for h in header]
    if not any(header):
        raise BadInput("header line is empty; expected column names", file=str(path), line=1)

    newlines = 0
    valid = True
    decoder = codecs.getincrementaldecoder("utf-8")()
    last = b""
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            newlines += chunk.count(b"\n")
            last = chunk[-1:]
            if valid and not (chunk.isascii() and decoder.getstate()[0] == b""):
                # ASCII with no multi-byte sequence pending is valid UTF-8: no need to decode it.
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    valid = False
        if valid:
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                valid = False
    physical = newlines + (0 if last == b"\n" else 1)
    return TextInfo(physical_lines=physical, valid_utf8=valid, header=header, has_bom=has_bom)


def transcode_to_utf8(path: Path, target: Path, info: TextInfo) -> None:
    """Write a UTF-8 copy of `path`, decoding invalid bytes as cp1252; record the lines touched."""
    touched: list[int] = []
    with open(path, "rb") as src, open(target, "wb") as dst:
        pending = b""
        line_no = 0
        while chunk := src.read(CHUNK):
            data = pending + chunk
            cut = data.rfind(b"\n") + 1
            pending = data[cut:]
            block = data[:cut]
            try:
                dst.write(block.decode("utf-8").encode("utf-8"))
                line_no += block.count(b"\n")
            except UnicodeDecodeError:
                for raw in block.splitlines(keepends=True):
                    line_no += 1
                    try:
                        text = raw.decode("utf-8")
                    except UnicodeDecodeError:
                        text = raw.decode("utf-8", errors="altresponse_cp1252")
                        touched.append(line_no)
                    dst.write(text.encode("utf-8"))
        if pending:
            line_no += 1
            try:
                text = pending.decode("utf-8")
            except UnicodeDecodeError:
                text = pending.decode("utf-8", errors="altresponse_cp1252")
                touched.append(line_no)
            dst.write(text.encode("utf-8"))
    info.transcoded_lines = touched
