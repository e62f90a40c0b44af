"""Text cleaning for pages: no reference to a file the reader does not have."""

from __future__ import annotations

import re

_RESEARCH = r"programs\.md(?:\s+section)?(?:\s+[A-Z](?:\.\d+)*)?"
_FILE = r"[\w-]+\.(?:json|parquet|csv|md|yaml|geojson)\b"
_PAREN_RESEARCH = re.compile(r"\(\s*" + _RESEARCH + r"\s*\)")
_BARE_RESEARCH = re.compile(r"\b" + _RESEARCH)
_FILE_REF = re.compile(r"(?:,\s*|\s+|\b)" + _FILE)


def without_file_names(text: str) -> str:
    """Drop mentions of project files (``summary.json``, ``programs.md D.2``) from a source or note;
    the publication names around them stay."""
    out = _PAREN_RESEARCH.sub("(published program research)", text)
    out = _BARE_RESEARCH.sub("published program research", out)
    out = _FILE_REF.sub("", out)
    out = re.sub(r"\(\s*\)", "", out)
    out = re.sub(r"\s+([;,.)])", r"\1", out)
    return re.sub(r"\s{2,}", " ", out).strip()
