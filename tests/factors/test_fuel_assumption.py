"""'other' / 'unknown' generation without a per-fuel factor takes the known-fuel mean.

Hand calculations (factors from the bundled sets, 1 gal/MWh = 0.003785412 L/kWh):

* Thirsty-code set (REFERENCE R3): gas 300 gal/MWh = 1.135624 L/kWh and 440 g/kWh; coal
  450 gal/MWh = 1.703435 L/kWh and 968 g/kWh; no 'unknown'. A mix {gas 500, coal 300,
  unknown 200} MWh: 'unknown' takes the mean of the 800 MWh of known fuels, so
  EWIF = (500 x 1.135624 + 300 x 1.703435) / 800 = 1078.8425 / 800 = 1.348553 L/kWh and
  carbon = (500 x 440 + 300 x 968) / 800 = 510400 / 800 = 638.0 g/kWh.
"""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pandas as pd
import pytest
from typer.testing import CliRunner

from fairwatt.cli.factors import factors_app
from fairwatt.factors.derive import derive_intensities, factor_set
from fairwatt.footprint_models.fuelmix import (
    AVERAGED_FUELS,
    averaged_share,
    intensity_from_mix,
)
from fairwatt.reporting.document import output_schema

GAL = 0.003785412  # L/kWh per gal/MWh
MIX = {"gas": 500.0, "coal": 300.0, "unknown": 200.0}
runner = CliRunner()
RECORDED = Path(__file__).parents[1] / "data" / "electricitymaps" / "power-breakdown_latest.json"


def test_unknown_takes_the_known_fuel_mean_with_the_thirsty_set() -> None:
    sets = factor_set("fuel-factors-thirsty-code")
    ewif = intensity_from_mix(MIX, sets["ewif_l_per_kwh"])
    carbon = intensity_from_mix(MIX, sets["carbon_g_per_kwh"])
    assert ewif == pytest.approx((500 * 1.135624 + 300 * 1.703435) / 800, rel=1e-6)
    assert ewif == pytest.approx(1.348553, abs=1e-6)
    assert carbon == pytest.approx((500 * 440 + 300 * 968) / 800) == 638.0
    # the same as leaving 'unknown' out of the weighting
    assert ewif == pytest.approx(
        intensity_from_mix({"gas": 500, "coal": 300}, sets["ewif_l_per_kwh"])
    )
    assert averaged_share(pd.DataFrame([MIX]), sets["ewif_l_per_kwh"]).tolist() == [0.2]


def test_a_factor_the_set_gives_is_used_and_the_rule_can_be_refused() -> None:
    # IPCC lifecycle has unknown = 700: (500 x 490 + 300 x 820 + 200 x 700) / 1000 = 631.0
    ipcc = factor_set("fuel-carbon-ipcc2014-lifecycle")["carbon_g_per_kwh"]
    assert intensity_from_mix(MIX, ipcc) == pytest.approx(631.0)
    assert averaged_share(pd.DataFrame([MIX]), ipcc).tolist() == [0.0]
    thirsty = factor_set("fuel-factors-thirsty-code")["carbon_g_per_kwh"]
    with pytest.raises(ValueError, match=r"no factor for fuel.*unknown"):
        intensity_from_mix(MIX, thirsty, unreported="error")
    # 'other' is covered by the same rule; a name outside the vocabulary is not
    ipcc_other = {"gas": 500.0, "coal": 300.0, "other": 200.0}
    assert intensity_from_mix(ipcc_other, ipcc) == pytest.approx((500 * 490 + 300 * 820) / 800)
    with pytest.raises(ValueError, match=r"no factor for fuel.*mystery"):
        intensity_from_mix({"gas": 1.0, "mystery": 1.0}, thirsty)
    assert AVERAGED_FUELS == ("other", "unknown")


def test_a_row_of_unreported_generation_only_has_no_intensity() -> None:
    thirsty = factor_set("fuel-factors-thirsty-code")["carbon_g_per_kwh"]
    out = intensity_from_mix(pd.DataFrame({"gas": [100.0, 0.0], "unknown": [0.0, 50.0]}), thirsty)
    assert out.iloc[0] == 440.0 and pd.isna(out.iloc[1])


def test_derive_cli_default_set_notes_the_assumption(tmp_path: Path) -> None:
    mix = tmp_path / "mix.csv"
    mix.write_text(
        "timestamp,gas,coal,unknown\n2024-01-01T00:00Z,500,300,200\n2024-01-01T01:00Z,500,300,0\n"
    )
    code = runner.invoke(factors_app, ["derive", "--fuel-mix", str(mix), "-z", "X", "-f", "json"])
    assert code.exit_code == 0, code.stderr
    doc = json.loads(code.stdout)
    jsonschema.validate(doc, output_schema(), cls=jsonschema.Draft202012Validator)
    rows = doc["tables"]["factors"]
    assert [r["carbon_g_per_kwh"] for r in rows] == pytest.approx([638.0, 638.0])
    assert [r["ewif_l_per_kwh"] for r in rows] == pytest.approx([1.348553] * 2, abs=1e-6)
    meta = doc["details"]
    assert "known fuels" in meta["fuel_assumption"]
    # 200 of the 1800 MWh of the file, in 1 of its 2 rows; at most 20 % of a row
    assert meta["averaged_fuels"]["ewif_l_per_kwh"] == {
        "fuels": ["unknown"],
        "rows": 1,
        "largest_share": 0.2,
        "share_of_generation": pytest.approx(200 / 1800, abs=1e-6),
    }
    assert meta["averaged_fuels"]["carbon_g_per_kwh"]["rows"] == 1


def test_derive_without_unreported_generation_has_no_assumption(tmp_path: Path) -> None:
    mix = tmp_path / "mix.csv"
    mix.write_text("timestamp,gas,unknown\n2024-01-01T00:00Z,500,0\n")
    table, meta = derive_intensities(mix, zone="X")
    assert table["carbon_g_per_kwh"].tolist() == [440.0]
    assert "fuel_assumption" not in meta and "averaged_fuels" not in meta


def test_derive_on_an_electricitymaps_power_breakdown(tmp_path: Path) -> None:
    """The recorded DE power breakdown (production, MW), storage modes left out.

    Known fuels (MW): biomass 4500, coal 6300, wind 9900, solar 41000, hydro 1900, gas 3800,
    oil 300 (total 67700); unknown 200; nuclear and geothermal 0.

    * carbon, IPCC lifecycle (biomass 230, coal 820, wind 11, solar 45, hydro 24, gas 490,
      oil 650, unknown 700 — the set has an 'unknown' factor, so it is used):
      (1035000 + 5166000 + 108900 + 1845000 + 45600 + 1862000 + 195000 + 140000) / 67900
      = 10397500 / 67900 = 153.1296 g/kWh.
    * EWIF, Macknick excl. hydro (gal/MWh: biomass 553, coal 687, wind 0, solar 1, hydro 0,
      gas 205, oil 826; no 'unknown', which takes the known-fuel mean):
      (2488500 + 4328100 + 41000 + 779000 + 247800) / 67700 = 7884400 / 67700
      = 116.4609 gal/MWh = 0.440853 L/kWh.
    """
    body = json.loads(RECORDED.read_text())
    prod = {
        k: v
        for k, v in body["powerProductionBreakdown"].items()
        if k not in ("hydro discharge", "battery discharge")
    }
    frame = pd.DataFrame([{"timestamp": body["datetime"], "zone": body["zone"], **prod}])
    path = tmp_path / "de_mix.csv"
    frame.to_csv(path, index=False)
    res = runner.invoke(
        factors_app,
        [
            "derive",
            "--fuel-mix",
            str(path),
            "-f",
            "json",
            "--factor-set",
            "fuel-carbon-ipcc2014-lifecycle",
            "--factor-set",
            "fuel-ewif-macknick2012-excl-hydro",
        ],
    )
    assert res.exit_code == 0, res.stderr
    doc = json.loads(res.stdout)
    [row] = doc["tables"]["factors"]
    assert row["carbon_g_per_kwh"] == pytest.approx(10397500 / 67900, rel=1e-9)
    assert row["carbon_g_per_kwh"] == pytest.approx(153.1296, abs=1e-4)
    assert row["ewif_l_per_kwh"] == pytest.approx(7884400 / 67700 * GAL, rel=1e-5)
    assert row["ewif_l_per_kwh"] == pytest.approx(0.440853, abs=1e-5)
    averaged = doc["details"]["averaged_fuels"]
    assert list(averaged) == ["ewif_l_per_kwh"]  # carbon used IPCC's own 'unknown' factor
    assert averaged["ewif_l_per_kwh"]["fuels"] == ["unknown"]
    assert averaged["ewif_l_per_kwh"]["largest_share"] == pytest.approx(200 / 67900, abs=1e-6)


def test_a_name_outside_the_vocabulary_is_still_an_error(tmp_path: Path) -> None:
    mix = tmp_path / "mix.csv"
    mix.write_text("timestamp,gas,mystery_fuel\n2024-01-01T00:00Z,500,100\n")
    res = runner.invoke(factors_app, ["derive", "--fuel-mix", str(mix), "-z", "X", "-f", "csv"])
    assert res.exit_code == 2
    assert "no carbon_g_per_kwh for fuel(s) mystery_fuel" in res.stderr
