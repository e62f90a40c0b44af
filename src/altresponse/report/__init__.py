"""Self-contained HTML reports: one page layout, inline-SVG charts and formatted tables.

Everything a person reads is a single HTML file that works offline (no CDN, no scripts) and
prints or converts to PDF with WeasyPrint. Analyses, staffing studies and plans all build their
pages from these three parts:

- `altresponse.report.page.render_page(title, sections, meta=...)` the page shell;
- `altresponse.report.charts` matplotlib charts returned as inline ``<svg>`` strings;
- `altresponse.report.tables` HTML tables with number formatting and small-cell suppression.
"""

from altresponse.report.page import Section, render_page

__all__ = ["Section", "render_page"]
