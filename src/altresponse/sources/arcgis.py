"""Download a city's calls for service from an ArcGIS REST FeatureServer layer.

Open Baltimore (and many other cities) publish 911 calls as ArcGIS layers. A layer gives at most
`maxRecordCount` features per request, so the client pages with resultOffset/resultRecordCount,
orders by a unique field so pages never overlap or skip, and follows `exceededTransferLimit`.
Servers fail in ordinary ways (HTTP 5xx, timeouts, a JSON `{"error": ...}` body with status 200,
a body cut short), so every page is retried with exponential backoff, and every page that arrived
is kept in a sidecar folder: a re-run continues where the last one stopped. The CSV is written
atomically at the end, in the Open Baltimore 2021-present column layout, times in UTC as the
ArcGIS CSV export writes them ("YYYY/MM/DD HH:MM:SS+00").
"""

from __future__ import annotations

import csv
import json
import logging
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from altresponse.errors import BadInput
from altresponse.fsio import atomic_path, write_json_atomic

log = logging.getLogger(__name__)

OPEN_BALTIMORE_FIELDS: tuple[str, ...] = (
    "RecordID", "CallNumber", "CallDateTime", "Priority", "District", "Description", "IncidentLocation",
    "ZipCode", "Neighborhood", "PoliceDistrict", "PolicePost", "CouncilDistrict", "SheriffDistricts",
    "Community_Statistical_Areas", "Census_Tracts", "VRIZones", "Latitude", "Longitude", "Location",
)
# Older layers spell some fields differently (recordId, callDateTime, ZIPCode, ...): matched
# case-insensitively, plus these aliases.
FIELD_ALIASES: dict[str, str] = {"zipcode": "ZipCode", "zip_code": "ZipCode", "callkey": "CallNumber"}
TIME_FORMAT = "%Y/%m/%d %H:%M:%S+00"


class ArcGISError(Exception):
    """A page could not be fetched after every retry."""


@dataclass
class FetchSettings:
    """How to page one layer; `fetch:` in the city profile supplies the defaults."""

    url: str
    where: str = "1=1"
    order_by: str = "RecordID"
    page_size: int = 2000
    timeout_s: float = 60.0
    retries: int = 6
    backoff_s: float = 1.0
    max_backoff_s: float = 60.0
    date_fields: tuple[str, ...] = ("CallDateTime",)
    extra_params: dict[str, str] = field(default_factory=dict)

    def identity(self) -> dict[str, Any]:
        """What must match for saved pages to be reused."""
        return {"url": self.url, "where": self.where, "order_by": self.order_by, "page_size": self.page_size}


def query_url(url: str) -> str:
    """Accept a layer URL (…/FeatureServer/0) or its /query endpoint; return the /query endpoint."""
    url = url.split("?", 1)[0].rstrip("/")
    return url if url.endswith("/query") else url + "/query"


def year_where(date_field: str, year: int, time_zone: str) -> str:
    """A where clause selecting one local calendar year from a layer that stores UTC times."""
    zone = ZoneInfo(time_zone)
    start = datetime(year, 1, 1, tzinfo=zone).astimezone(UTC)
    end = datetime(year + 1, 1, 1, tzinfo=zone).astimezone(UTC)
    fmt = "%Y-%m-%d %H:%M:%S"
    return (f"{date_field} >= TIMESTAMP '{start.strftime(fmt)}' AND "
            f"{date_field} < TIMESTAMP '{end.strftime(fmt)}'")


def settings_for_year(profile_section: dict[str, Any], year: int, time_zone: str,
                      url: str | None = None) -> FetchSettings:
    """Pick the layer for `year` from the profile's `fetch:` section (or use `url`).

    `years:` maps a year to a per-year layer (whole layer, no filter); `current:` is a multi-year
    layer (e.g. 2021-present) filtered to the local calendar year on `date_field`.
    """
    years = {int(k): v for k, v in (profile_section.get("years") or {}).items()}
    date_field = str(profile_section.get("date_field", "CallDateTime"))
    current = profile_section.get("current")
    first = int(profile_section.get("current_from", 2021))
    order_by = str(profile_section.get("order_by", "RecordID"))
    if url:
        layer, where = url, year_where(date_field, year, time_zone)
    elif year in years:
        entry = years[year]
        layer = entry if isinstance(entry, str) else str(entry["url"])
        where = "1=1" if isinstance(entry, str) else str(entry.get("where", "1=1"))
        if isinstance(entry, dict) and entry.get("order_by"):
            order_by = str(entry["order_by"])
    elif current and year >= first:
        layer, where = str(current), year_where(date_field, year, time_zone)
    else:
        known = [str(y) for y in sorted(years)] + ([f"{first} and later"] if current else [])
        raise BadInput(f"no download address for year {year} in the profile's fetch section "
                       f"(known years: {', '.join(known) or 'none'}); pass --url")
    return FetchSettings(
        url=query_url(layer), where=where, order_by=order_by,
        page_size=int(profile_section.get("page_size", 2000)),
        retries=int(profile_section.get("retries", 6)),
        timeout_s=float(profile_section.get("timeout_s", 60)),
        date_fields=(date_field,),
    )


class PageStore:
    """Pages already fetched, one JSON file per offset, beside the output file."""

    def __init__(self, directory: Path, identity: dict[str, Any]) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        manifest = directory / "manifest.json"
        if manifest.exists():
            saved = json.loads(manifest.read_text(encoding="utf-8"))
            if saved != identity:
                raise BadInput(f"saved pages in {directory} belong to a different query ({saved}); delete "
                               "the folder or choose another output file")
        else:
            write_json_atomic(manifest, identity)

    def path(self, offset: int) -> Path:
        return self.directory / f"page-{offset:010d}.json"

    def load(self, offset: int) -> dict[str, Any] | None:
        p = self.path(offset)
        if not p.exists():
            return None
        try:
            page: dict[str, Any] = json.loads(p.read_text(encoding="utf-8"))
            return page
        except ValueError:
            p.unlink()  # a page file is written atomically, but be safe: refetch a bad one
            return None

    def save(self, offset: int, page: dict[str, Any]) -> None:
        write_json_atomic(self.path(offset), page)


class ArcGISClient:
    """Fetch pages with retries; `sleep` is injectable so tests need not wait."""

    def __init__(self, settings: FetchSettings, *, client: httpx.Client | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.settings = settings
        self.client = client or httpx.Client(timeout=settings.timeout_s, follow_redirects=True,
                                             headers={"User-Agent": "altresponse-fetch"})
        self.sleep = sleep
        self.requests = 0
        self.retried = 0

    def _params(self, **extra: Any) -> dict[str, str]:
        params = {"where": self.settings.where, "outFields": "*", "f": "json", "returnGeometry": "true",
                  "outSR": "4326", **self.settings.extra_params}
        params.update({k: str(v) for k, v in extra.items()})
        return params

    def get_json(self, params: dict[str, str], url: str | None = None) -> dict[str, Any]:
        """One request with retries on 5xx, 429, timeouts, cut-short bodies and JSON error bodies."""
        last = ""
        for attempt in range(self.settings.retries + 1):
            if attempt:
                self.retried += 1
                delay = min(self.settings.max_backoff_s, self.settings.backoff_s * 2 ** (attempt - 1))
                log.warning("retrying ArcGIS request in %.1f s after: %s", delay, last)
                self.sleep(delay)
            self.requests += 1
            try:
                response = self.client.get(url or self.settings.url, params=params)
            except (httpx.TimeoutException, httpx.TransportError) as exc:
                last = f"{type(exc).__name__}: {exc}"
                continue
            if response.status_code >= 500 or response.status_code == 429:
                last = f"HTTP {response.status_code}"
                continue
            if response.status_code >= 400:
                raise BadInput(f"the server refused the query (HTTP {response.status_code}): "
                               f"{response.text[:300]}", file=self.settings.url)
            try:
                body = response.json()
            except ValueError:
                last = f"body is not complete JSON ({len(response.content)} bytes)"
                continue
            if not isinstance(body, dict):
                last = "body is not a JSON object"
                continue
            if "error" in body:
                err = body["error"] or {}
                code = int(err.get("code", 500)) if str(err.get("code", "500")).isdigit() else 500
                last = f"ArcGIS error {code}: {err.get('message')} {err.get('details') or ''}".strip()
                if code == 400:
                    raise BadInput(f"the layer rejected the query: {last}", file=self.settings.url)
                continue
            return body
        raise ArcGISError(f"{self.settings.url}: gave up after {self.settings.retries + 1} attempts; last "
                          f"failure: {last}. Pages fetched so far are kept; run again to continue.")

    def max_record_count(self) -> int | None:
        """The layer's maxRecordCount (from `<layer>?f=json`), or None when the layer will not say."""
        layer_url = self.settings.url.removesuffix("/query")
        try:
            info = self.get_json({"f": "json"}, url=layer_url)
        except (ArcGISError, BadInput):
            return None
        value = info.get("maxRecordCount")
        return value if isinstance(value, int) and value > 0 else None

    def count(self) -> int | None:
        try:
            body = self.get_json(self._params(returnCountOnly="true"))
        except ArcGISError:
            return None
        value = body.get("count")
        return int(value) if isinstance(value, int) else None

    def pages(self, store: PageStore | None = None,
              on_page: Callable[[int], None] | None = None) -> Iterator[dict[str, Any]]:
        """Yield every page in order, reading saved pages and fetching the rest."""
        offset = 0
        size = self.settings.page_size
        previous_first: Any = None
        while True:
            page = store.load(offset) if store else None
            if page is None:
                page = self.get_json(self._params(orderByFields=self.settings.order_by, resultOffset=offset,
                                                  resultRecordCount=size))
                if "features" not in page:
                    raise ArcGISError(f"{self.settings.url}: response has no 'features' "
                                      f"(keys: {sorted(page)})")
                if store:
                    store.save(offset, page)
            features = page.get("features") or []
            first = (features[0].get("attributes") or {}) if features else None
            if offset and first is not None and first == previous_first:
                raise ArcGISError(f"{self.settings.url}: the server returned the same page for offsets "
                                  f"{offset - len(features)} and {offset}; the layer does not support paging "
                                  "with resultOffset")
            previous_first = first
            if on_page:
                on_page(len(features))
            yield page
            more = bool(page.get("exceededTransferLimit")) or len(features) >= size
            if not features or not more:
                return
            offset += len(features)


def _format_value(name: str, value: Any, date_fields: set[str]) -> str:
    if value is None:
        return ""
    if name.lower() in date_fields and isinstance(value, int | float):
        return datetime.fromtimestamp(value / 1000, UTC).strftime(TIME_FORMAT)
    if isinstance(value, float) and value.is_integer() and name not in ("Latitude", "Longitude"):
        return str(int(value))
    return str(value)


def feature_row(feature: dict[str, Any], date_fields: set[str]) -> dict[str, str]:
    """Map one feature's attributes (and geometry) onto the Open Baltimore columns."""
    attrs = feature.get("attributes") or {}
    lower = {k.lower(): k for k in attrs}
    row: dict[str, str] = {}
    for col in OPEN_BALTIMORE_FIELDS:
        key = lower.get(col.lower())
        if key is None:
            key = next((lower[a] for a, target in FIELD_ALIASES.items()
                        if target == col and a in lower), None)
        row[col] = _format_value(col, attrs.get(key), date_fields) if key is not None else ""
    geometry = feature.get("geometry") or {}
    if not row["Latitude"] and isinstance(geometry.get("y"), int | float):
        row["Latitude"] = repr(float(geometry["y"]))
    if not row["Longitude"] and isinstance(geometry.get("x"), int | float):
        row["Longitude"] = repr(float(geometry["x"]))
    return row


def fetch_to_csv(settings: FetchSettings, out: str | Path, *, pages_dir: Path | None = None,
                 keep_pages: bool = False, progress: bool = True, client: httpx.Client | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> dict[str, Any]:
    """Download every feature matching `settings` into `out` (Open Baltimore CSV); return a summary."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    out = Path(out)
    pages_dir = pages_dir or out.with_name(out.name + ".pages")
    api = ArcGISClient(settings, client=client, sleep=sleep)
    server_max = api.max_record_count()
    if server_max and server_max < settings.page_size:  # ask for what the server will give
        settings.page_size = server_max
    store = PageStore(pages_dir, settings.identity())
    started = time.perf_counter()
    total = api.count()
    date_fields = {f.lower() for f in settings.date_fields}
    rows = 0
    pages = 0
    ids: set[str] = set()
    duplicates = 0
    with Progress(TextColumn("[bold]fetch[/]"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=Console(stderr=True), disable=not progress, transient=True) as bar:
        task = bar.add_task("calls", total=total)
        with atomic_path(out) as tmp, open(tmp, "w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(OPEN_BALTIMORE_FIELDS), lineterminator="\n")
            writer.writeheader()
            for page in api.pages(store, on_page=lambda n: bar.advance(task, n)):
                pages += 1
                for feature in page.get("features") or []:
                    row = feature_row(feature, date_fields)
                    key = row.get(settings.order_by, "")
                    if key:
                        if key in ids:  # a layer edited while paging can repeat a row: keep the first
                            duplicates += 1
                            continue
                        ids.add(key)
                    writer.writerow(row)
                    rows += 1
    complete = None if total is None else rows + duplicates == total
    if complete is False:
        log.warning("downloaded %d rows (+%d repeats) but the layer counted %d", rows, duplicates, total)
    if not keep_pages:
        shutil.rmtree(pages_dir, ignore_errors=True)
    return {
        "path": str(out), "url": settings.url, "where": settings.where, "rows": rows, "pages": pages,
        "server_count": total, "duplicates_dropped": duplicates, "requests": api.requests,
        "retries": api.retried, "page_size": settings.page_size, "complete": complete,
        "seconds": round(time.perf_counter() - started, 2),
    }
