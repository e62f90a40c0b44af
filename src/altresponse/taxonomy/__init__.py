"""Common incident types, agency crosswalks, an encoder that never guesses, and a suggester.

Public API (stable names other modules rely on):
`load_catalogue`, `Catalogue`, `CommonType`, `load_crosswalk`, `Crosswalk`, `normalize_local_type`,
`NORMALIZE_SQL`, `encode_calls`, `EncodeResult`, `UNMAPPED`.
"""

from altresponse.taxonomy.catalogue import UNMAPPED, Catalogue, CommonType, load_catalogue
from altresponse.taxonomy.crosswalk import (
    BUILTIN_CROSSWALKS,
    NORMALIZE_SQL,
    Crosswalk,
    CrosswalkEntry,
    load_crosswalk,
    normalize_local_type,
    normalize_sql,
)
from altresponse.taxonomy.encode import EncodedValues, EncodeResult, encode_calls, encode_values

__all__ = [
    "BUILTIN_CROSSWALKS",
    "NORMALIZE_SQL",
    "UNMAPPED",
    "Catalogue",
    "CommonType",
    "Crosswalk",
    "CrosswalkEntry",
    "EncodeResult",
    "EncodedValues",
    "encode_calls",
    "encode_values",
    "load_catalogue",
    "load_crosswalk",
    "normalize_local_type",
    "normalize_sql",
]
