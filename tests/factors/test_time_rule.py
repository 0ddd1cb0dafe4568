"""Factor and fuel-mix files follow the one daylight-saving rule (fairwatt.io.times).

Europe/Berlin falls back on 2024-10-27: local 02:00 is first 00:00Z (CEST, UTC+2), then
01:00Z (CET, UTC+1).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from fairwatt.errors import InputError
from fairwatt.factors.derive import read_fuel_mix
from fairwatt.factors.table import read_factor_file

BERLIN = "Europe/Berlin"
Z0, Z1 = pd.Timestamp("2024-10-27 00:00", tz="UTC"), pd.Timestamp("2024-10-27 01:00", tz="UTC")


def test_wide_factor_file_pairs_per_zone(tmp_path: Path) -> None:
    p = tmp_path / "f.csv"
    p.write_text(
        "zone,timestamp,carbon_g_per_kwh\n"
        "DE,2024-10-27 02:00,200\nNA,2024-10-27 02:00,500\n"
        "DE,2024-10-27 02:00,300\nNA,2024-10-27 02:00,600\n"
    )
    t = read_factor_file(str(p), tz=BERLIN).table.set_index(["key", "timestamp"])
    assert t.loc[("DE", Z0), "carbon_g_per_kwh"] == 200  # first: daylight time
    assert t.loc[("DE", Z1), "carbon_g_per_kwh"] == 300  # second: standard time
    assert t.loc[("NA", Z0), "carbon_g_per_kwh"] == 500
    assert t.loc[("NA", Z1), "carbon_g_per_kwh"] == 600


def test_long_factor_file_pairs_per_zone_and_factor(tmp_path: Path) -> None:
    p = tmp_path / "f.csv"
    p.write_text(
        "zone,timestamp,factor,value\n"
        "DE,2024-10-27 02:00,carbon_g_per_kwh,200\nDE,2024-10-27 02:00,ewif_l_per_kwh,1\n"
        "DE,2024-10-27 02:00,carbon_g_per_kwh,300\nDE,2024-10-27 02:00,ewif_l_per_kwh,2\n"
    )
    t = read_factor_file(str(p), tz=BERLIN).table.set_index("timestamp")
    assert t.loc[Z0, "carbon_g_per_kwh"] == 200 and t.loc[Z0, "ewif_l_per_kwh"] == 1
    assert t.loc[Z1, "carbon_g_per_kwh"] == 300 and t.loc[Z1, "ewif_l_per_kwh"] == 2


def test_factor_file_never_drops_the_repeated_hour(tmp_path: Path) -> None:
    p = tmp_path / "f.csv"
    p.write_text(
        "zone,timestamp,carbon_g_per_kwh\nDE,2024-10-27 01:00,100\nDE,2024-10-27 02:00,200\n"
    )
    with pytest.raises(InputError, match=r"f\.csv, row 3.*2024-10-27 02:00 in Europe/Berlin"):
        read_factor_file(str(p), tz=BERLIN)


def test_fuel_mix_pairs_per_zone_and_fuel(tmp_path: Path) -> None:
    p = tmp_path / "mix.csv"
    p.write_text(
        "timestamp,zone,fuel,generation_mwh\n"
        "2024-10-27 02:00,DE,coal,10\n2024-10-27 02:00,DE,wind,1\n"
        "2024-10-27 02:00,DE,coal,20\n2024-10-27 02:00,DE,wind,2\n"
    )
    wide, name = read_fuel_mix(p, tz=BERLIN)
    assert name == "timestamp"
    assert wide.loc[("DE", Z0)].to_dict() == {"coal": 10.0, "wind": 1.0}
    assert wide.loc[("DE", Z1)].to_dict() == {"coal": 20.0, "wind": 2.0}
