from pathlib import Path

import pytest

from altresponse.errors import BadInput
from altresponse.profile import load_profile


def test_builtin_baltimore_profile() -> None:
    profile = load_profile("baltimore")
    assert profile.time_zone == "America/New_York"
    assert profile.bbox.contains(-76.61, 39.29)  # downtown Baltimore
    assert not profile.bbox.contains(-77.03, 38.90)  # Washington, DC


def test_profile_missing_field_names_file(tmp_path: Path) -> None:
    bad = tmp_path / "city.yaml"
    bad.write_text("city: x\n")
    with pytest.raises(BadInput, match=r"city\.yaml"):
        load_profile(bad)
