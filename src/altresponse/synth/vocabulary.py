"""What synthetic Baltimore calls say and when they happen: descriptions, shares, priorities, rhythms.

Every figure here is listed in docs/calibration.md with its source or marked as an assumption.
Descriptions are the exact strings of the Open Baltimore 2024 extract (capstone value list) plus
well-known spellings from the 2014-2017 extract (JHWu92 category file), so crosswalks built for the
real data also work on synthetic files.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

PRIORITIES: tuple[str, ...] = ("Emergency", "High", "Medium", "Low", "Non-Emergency", "Out of Service")

# Priority mix per family, in PRIORITIES order (assumption: BPD priority rules are not published
# per description; Out of Service is used for officer self-initiated activity).
PRIORITY_MIX: dict[str, tuple[float, ...]] = {
    "no_voice": (0.00, 0.10, 0.25, 0.25, 0.40, 0.00),
    "proactive": (0.00, 0.00, 0.00, 0.03, 0.12, 0.85),
    "traffic_stop": (0.00, 0.00, 0.02, 0.08, 0.30, 0.60),
    "violent": (0.30, 0.55, 0.10, 0.05, 0.00, 0.00),
    "disorder": (0.00, 0.10, 0.45, 0.30, 0.15, 0.00),
    "property": (0.02, 0.18, 0.30, 0.25, 0.25, 0.00),
    "traffic": (0.05, 0.20, 0.40, 0.20, 0.15, 0.00),
    "alarm": (0.02, 0.25, 0.45, 0.20, 0.08, 0.00),
    "behavioral": (0.05, 0.40, 0.40, 0.10, 0.05, 0.00),
    "welfare": (0.02, 0.20, 0.45, 0.20, 0.13, 0.00),
    "admin": (0.00, 0.02, 0.13, 0.30, 0.45, 0.10),
}


@dataclass(frozen=True)
class Description:
    text: str  # exact string as written in the Open Baltimore extract
    family: str  # rhythm and priority family
    share: float  # percent of all calls (normalized on use)


# Percent of all calls (assumptions anchored on the published figures in docs/calibration.md:
# no-voice + OTHER near 30% of 2015-2018 calls; violent crime under 4% of calls).
DESCRIPTIONS: tuple[Description, ...] = (
    Description("911/NO  VOICE", "no_voice", 16.0),
    Description("OTHER", "admin", 5.5),
    Description("Other", "admin", 1.0),
    Description("Business Check", "proactive", 12.0),
    Description("Foot Patrol", "proactive", 4.0),
    Description("Bike Patrol", "proactive", 0.5),
    Description("Field Interview", "proactive", 1.0),
    Description("INV STOP", "proactive", 0.8),
    Description("Personal Relief", "proactive", 1.2),
    Description("Lab Request", "proactive", 0.5),
    Description("Repo", "admin", 0.6),
    Description("Traffic Stop", "traffic_stop", 6.0),
    Description("DISORDERLY", "disorder", 5.5),
    Description("NOISE COMPLAINT", "disorder", 2.2),
    Description("LOUD MUSIC", "disorder", 0.3),
    Description("FAMILY DISTURB", "disorder", 3.8),
    Description("JUV DISTURBANCE", "disorder", 0.4),
    Description("NARCOTICS", "disorder", 1.8),
    Description("SUSPICIOUS PERS", "disorder", 3.0),
    Description("SUSPICIOUS VEH", "disorder", 0.4),
    Description("LYING IN STREET", "welfare", 0.1),
    Description("BY THREAT", "disorder", 0.4),
    Description("COMMON ASSAULT", "violent", 1.0),
    Description("AGGRAV ASSAULT", "violent", 0.5),
    Description("ARMED PERSON", "violent", 0.6),
    Description("DISCHRG FIREARM", "violent", 0.6),
    Description("ShotSpot Alert", "violent", 0.4),
    Description("SHOOTING", "violent", 0.15),
    Description("ROBBERY ARMED", "violent", 0.3),
    Description("ROBBERY UNARMED", "violent", 0.2),
    Description("CAR JACKING", "violent", 0.15),
    Description("BURGLARY", "property", 1.5),
    Description("PROWLER", "property", 0.1),
    Description("LARCENY", "property", 2.4),
    Description("LARCENY F/AUTO", "property", 0.8),
    Description("AUTO THEFT", "property", 1.3),
    Description("DESTRUCT PROP", "property", 1.3),
    Description("AUTO ACCIDENT", "traffic", 3.5),
    Description("AUTO ACC/INJURY", "traffic", 0.9),
    Description("HIT AND RUN", "traffic", 1.0),
    Description("TOWED VEHICLE", "admin", 0.8),
    Description("RECOVERED VEH", "admin", 0.5),
    Description("INVESTIGATE AUTO", "traffic", 0.7),
    Description("AUDIBLE ALARM", "alarm", 3.0),
    Description("SILENT ALARM", "alarm", 0.6),
    Description("HOLDUP ALARM", "alarm", 0.4),
    Description("BEHAVIOR CRISIS", "behavioral", 1.0),
    Description("INTOXICATED PERS", "behavioral", 0.3),
    Description("OVERDOSE", "behavioral", 0.5),
    Description("CHECK WELL-BEING", "welfare", 2.5),
    Description("SICK CASE", "welfare", 0.6),
    Description("MISSING PERSON", "welfare", 0.7),
    Description("FOLLOW UP", "admin", 2.5),
    Description("INVESTIGATE", "admin", 2.0),
    Description("WANTED ON WARR", "admin", 0.5),
    Description("Warrant Service", "admin", 0.6),
    Description("EXPART/PROT/PEAC", "admin", 0.9),
    Description("*PROT. ORDER", "admin", 0.05),
    Description("PEACE  ORDER", "admin", 0.05),
    Description("POLICE NOTIFY ON", "admin", 0.6),
    Description("RA POLICE", "admin", 0.4),
    Description("RECOVER PROPERTY", "admin", 0.3),
    Description("SUPV COMPLAINT", "admin", 0.3),
)

FAMILIES: tuple[str, ...] = tuple(PRIORITY_MIX)

# Hour-of-day shape (local time, 0..23) per family; multiplied by a day-of-week factor (Mon..Sun).
# Assumptions drawn from the usual CAD rhythms (see docs/calibration.md): community-initiated calls
# trough at 04-06 and peak late afternoon/evening; violence and disorder peak late evening and
# weekend nights; traffic follows commutes; self-initiated checks run overnight and at shift starts.
_COMMUNITY = (3.0, 2.4, 1.9, 1.5, 1.2, 1.1, 1.4, 2.2, 3.0, 3.6, 4.0, 4.3,
              4.5, 4.6, 4.8, 5.1, 5.3, 5.4, 5.5, 5.4, 5.1, 4.8, 4.3, 3.6)
HOUR_SHAPE: dict[str, tuple[float, ...]] = {
    "no_voice": _COMMUNITY,
    "admin": (1.2, 0.9, 0.7, 0.6, 0.5, 0.6, 1.2, 2.6, 4.0, 4.8, 5.0, 5.0,
              4.8, 4.8, 4.9, 4.8, 4.5, 4.0, 3.5, 3.0, 2.6, 2.2, 1.8, 1.5),
    "proactive": (5.0, 5.2, 5.0, 4.6, 4.0, 3.0, 2.0, 2.6, 3.4, 3.8, 4.0, 3.8,
                  3.4, 3.2, 3.0, 3.2, 3.6, 3.8, 3.6, 3.4, 3.6, 4.0, 4.4, 4.8),
    "traffic_stop": (2.5, 2.0, 1.6, 1.2, 0.9, 0.8, 1.4, 2.8, 3.6, 3.8, 3.8, 3.6,
                     3.4, 3.6, 4.0, 4.3, 4.4, 4.2, 4.0, 4.0, 4.2, 4.0, 3.6, 3.0),
    "violent": (4.8, 4.4, 3.8, 3.0, 2.1, 1.4, 1.1, 1.3, 1.8, 2.3, 2.7, 3.0,
                3.3, 3.5, 3.8, 4.1, 4.4, 4.7, 5.0, 5.3, 5.6, 5.8, 5.7, 5.3),
    "disorder": (4.2, 3.5, 2.8, 2.1, 1.4, 1.0, 1.0, 1.5, 2.1, 2.6, 3.0, 3.3,
                 3.6, 3.9, 4.2, 4.6, 5.0, 5.3, 5.6, 5.9, 6.0, 5.9, 5.5, 4.9),
    "property": (2.2, 1.8, 1.6, 1.4, 1.2, 1.3, 2.0, 3.2, 4.4, 5.0, 5.1, 5.0,
                 4.9, 4.8, 4.8, 4.8, 4.8, 4.7, 4.5, 4.2, 3.8, 3.4, 3.0, 2.6),
    "traffic": (1.8, 1.4, 1.2, 1.0, 0.9, 1.2, 2.4, 4.2, 4.8, 3.8, 3.6, 3.9,
                4.2, 4.4, 4.9, 5.6, 6.0, 5.9, 5.0, 4.0, 3.4, 3.0, 2.6, 2.2),
    "alarm": (3.2, 3.0, 2.8, 2.6, 2.6, 3.0, 4.0, 5.2, 5.4, 4.8, 4.2, 3.8,
              3.6, 3.6, 3.6, 3.8, 4.2, 4.6, 4.6, 4.2, 3.8, 3.6, 3.4, 3.3),
    "behavioral": (3.0, 2.6, 2.2, 1.8, 1.5, 1.4, 1.7, 2.4, 3.2, 3.8, 4.2, 4.5,
                   4.7, 4.8, 4.9, 5.0, 5.0, 5.0, 4.9, 4.8, 4.6, 4.3, 3.9, 3.4),
    "welfare": (2.2, 1.8, 1.5, 1.3, 1.2, 1.4, 2.2, 3.4, 4.2, 4.6, 4.9, 5.0,
                5.0, 5.0, 5.0, 5.0, 5.0, 4.9, 4.7, 4.4, 4.0, 3.5, 3.0, 2.6),
}
DOW_FACTOR: dict[str, tuple[float, ...]] = {
    "no_voice": (1.0, 0.98, 0.98, 1.0, 1.04, 1.06, 1.0),
    "admin": (1.1, 1.1, 1.1, 1.1, 1.05, 0.8, 0.75),
    "proactive": (1.0, 1.05, 1.05, 1.05, 1.0, 0.95, 0.9),
    "traffic_stop": (1.0, 1.05, 1.05, 1.05, 1.05, 0.95, 0.85),
    "violent": (0.92, 0.9, 0.9, 0.92, 1.02, 1.2, 1.18),
    "disorder": (0.92, 0.9, 0.9, 0.94, 1.05, 1.2, 1.14),
    "property": (1.08, 1.02, 1.0, 1.0, 1.0, 0.95, 0.95),
    "traffic": (1.0, 1.02, 1.02, 1.04, 1.12, 0.96, 0.84),
    "alarm": (1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0),
    "behavioral": (1.02, 1.02, 1.0, 1.0, 1.0, 0.98, 0.98),
    "welfare": (1.05, 1.04, 1.02, 1.0, 0.98, 0.94, 0.96),
}
# Seasonal swing: calls peak in mid-July, trough in mid-January (assumption: +/- 8%).
SEASON_AMPLITUDE = 0.08
SEASON_PEAK_DAY = 196


def description_arrays() -> tuple[list[str], np.ndarray, np.ndarray]:
    """(texts, share probabilities, family index) in DESCRIPTIONS order."""
    texts = [d.text for d in DESCRIPTIONS]
    share = np.array([d.share for d in DESCRIPTIONS], dtype=float)
    family = np.array([FAMILIES.index(d.family) for d in DESCRIPTIONS], dtype=np.int64)
    return texts, share / share.sum(), family


def family_share(family: str) -> float:
    total = sum(d.share for d in DESCRIPTIONS)
    return sum(d.share for d in DESCRIPTIONS if d.family == family) / total


# Major streets for block addresses. Baltimore numbers blocks north/south from Baltimore Street and
# east/west from Charles Street, about 100 numbers per block. (name, lon or lat, range lo, range hi).
BALTIMORE_ST_LAT = 39.2897
CHARLES_ST_LON = -76.6152
NUMBERS_PER_DEG_LAT = 92_000.0  # North Ave (~39.311) is the 2000 block of N Charles St
NUMBERS_PER_DEG_LON = 73_000.0  # Wolfe St (~-76.590) is the 1800 block east
NS_STREETS: tuple[tuple[str, float, float, float], ...] = (
    ("CHARLES ST", -76.6152, 39.265, 39.38),
    ("ST PAUL ST", -76.6135, 39.28, 39.33),
    ("CALVERT ST", -76.6120, 39.28, 39.33),
    ("GREENMOUNT AVE", -76.6093, 39.29, 39.34),
    ("YORK RD", -76.6100, 39.33, 39.38),
    ("HOWARD ST", -76.6195, 39.28, 39.32),
    ("EUTAW ST", -76.6215, 39.27, 39.31),
    ("MARTIN LUTHER KING JR BLVD", -76.6260, 39.28, 39.30),
    ("FREMONT AVE", -76.6300, 39.28, 39.31),
    ("PENNSYLVANIA AVE", -76.6370, 39.29, 39.32),
    ("FULTON AVE", -76.6455, 39.28, 39.32),
    ("MONROE ST", -76.6505, 39.26, 39.32),
    ("PAYSON ST", -76.6475, 39.27, 39.30),
    ("HILTON ST", -76.6710, 39.27, 39.32),
    ("CATON AVE", -76.6765, 39.25, 39.29),
    ("PARK HEIGHTS AVE", -76.6700, 39.32, 39.37),
    ("REISTERSTOWN RD", -76.6800, 39.32, 39.37),
    ("LIBERTY HEIGHTS AVE", -76.6950, 39.32, 39.35),
    ("GWYNN OAK AVE", -76.7080, 39.30, 39.34),
    ("CENTRAL AVE", -76.6030, 39.28, 39.31),
    ("BROADWAY", -76.5940, 39.28, 39.31),
    ("WOLFE ST", -76.5905, 39.28, 39.31),
    ("PATTERSON PARK AVE", -76.5815, 39.28, 39.31),
    ("LINWOOD AVE", -76.5775, 39.28, 39.31),
    ("CONKLING ST", -76.5685, 39.27, 39.31),
    ("HARFORD RD", -76.5750, 39.31, 39.38),
    ("LOCH RAVEN BLVD", -76.5950, 39.33, 39.38),
    ("BELAIR RD", -76.5600, 39.31, 39.37),
    ("PULASKI HWY", -76.5500, 39.29, 39.31),
    ("HANOVER ST", -76.6125, 39.22, 39.28),
    ("POTEE ST", -76.6040, 39.21, 39.25),
)
EW_STREETS: tuple[tuple[str, float, float, float], ...] = (
    ("BALTIMORE ST", 39.2897, -76.70, -76.55),
    ("FAYETTE ST", 39.2910, -76.68, -76.56),
    ("PRATT ST", 39.2865, -76.68, -76.58),
    ("EASTERN AVE", 39.2860, -76.60, -76.53),
    ("BOSTON ST", 39.2795, -76.58, -76.56),
    ("ORLEANS ST", 39.2955, -76.61, -76.56),
    ("MONUMENT ST", 39.2985, -76.61, -76.56),
    ("EDMONDSON AVE", 39.2935, -76.71, -76.63),
    ("LAFAYETTE AVE", 39.3035, -76.66, -76.59),
    ("FEDERAL ST", 39.3070, -76.61, -76.57),
    ("NORTH AVE", 39.3114, -76.68, -76.57),
    ("GWYNNS FALLS PKWY", 39.3120, -76.70, -76.64),
    ("25TH ST", 39.3185, -76.63, -76.59),
    ("33RD ST", 39.3285, -76.63, -76.58),
    ("41ST ST", 39.3350, -76.64, -76.60),
    ("COLD SPRING LN", 39.3440, -76.68, -76.57),
    ("BELVEDERE AVE", 39.3530, -76.68, -76.57),
    ("NORTHERN PKWY", 39.3600, -76.71, -76.55),
    ("FREDERICK AVE", 39.2850, -76.71, -76.64),
    ("WILKENS AVE", 39.2770, -76.69, -76.63),
    ("FORT AVE", 39.2705, -76.62, -76.58),
    ("PATAPSCO AVE", 39.2365, -76.64, -76.58),
)
# Streets written without a N/S/E/W prefix (they do not cross the grid's base lines).
NO_PREFIX: frozenset[str] = frozenset({
    "GREENMOUNT AVE", "YORK RD", "MARTIN LUTHER KING JR BLVD", "PENNSYLVANIA AVE", "PARK HEIGHTS AVE",
    "REISTERSTOWN RD", "LIBERTY HEIGHTS AVE", "GWYNN OAK AVE", "HARFORD RD", "LOCH RAVEN BLVD", "BELAIR RD",
    "PULASKI HWY", "POTEE ST", "EASTERN AVE", "BOSTON ST", "ORLEANS ST", "EDMONDSON AVE",
    "GWYNNS FALLS PKWY", "FREDERICK AVE", "WILKENS AVE",
})
