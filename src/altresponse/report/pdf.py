"""HTML to PDF with WeasyPrint: the PDF is the same page, printed on US Letter by its own CSS."""

from __future__ import annotations

import logging


def html_to_pdf(html: str, base_url: str) -> bytes:
    """The page as PDF bytes; relative links resolve against `base_url`."""
    from weasyprint import HTML

    # WeasyPrint warns about SVG style properties it ignores; the charts print correctly without them
    wp_log = logging.getLogger("weasyprint")
    level = wp_log.level
    wp_log.setLevel(logging.ERROR)
    try:
        data = HTML(string=html, base_url=base_url).write_pdf()
    finally:
        wp_log.setLevel(level)
    if data is None:
        raise RuntimeError("WeasyPrint returned no PDF")
    return bytes(data)
