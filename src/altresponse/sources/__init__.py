"""Adapters from CAD exports to canonical calls (schema.CALLS), with a rejects table.

Every CSV format is a YAML column map (sources/maps/) run by one DuckDB engine; `ingest()` is the
entry point used by the command line and the demo.
"""

from altresponse.sources.ingest import SOURCES, IngestSummary, ingest
from altresponse.sources.mapping import ColumnMap, load_map

__all__ = ["SOURCES", "ColumnMap", "IngestSummary", "ingest", "load_map"]
