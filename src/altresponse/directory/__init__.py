"""Provider directory as Open Referral HSDS 3.0 records (with 3.1 capacities), and `match()`."""

from altresponse.directory.hsds import EXAMPLE_NOTE, as_directory_document, read_hsds_json, validate_hsds
from altresponse.directory.model import (
    Directory,
    Match,
    Schedule,
    Service,
    ServiceOption,
    load_directory,
    match,
)


def from_hsds_json(document: dict | list, source: str = "<directory>",
                   time_zone: str | None = None) -> Directory:
    """Build a directory from an HSDS document, API page or service list (`Directory.from_hsds_json`)."""
    return Directory.from_hsds_json(document, source=source, time_zone=time_zone)


def to_hsds_json(directory: Directory) -> dict:
    """The directory as an HSDS document (same as `Directory.to_hsds_json`)."""
    return directory.to_hsds_json()


__all__ = [
    "EXAMPLE_NOTE",
    "Directory",
    "Match",
    "Schedule",
    "Service",
    "ServiceOption",
    "as_directory_document",
    "from_hsds_json",
    "load_directory",
    "match",
    "read_hsds_json",
    "to_hsds_json",
    "validate_hsds",
]
