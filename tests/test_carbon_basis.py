"""One carbon basis across zones (lifecycle by default), --carbon-basis, and notes.

Fleet: ``aws:us-east-1`` (zone US-VA), ``azure:westeurope`` (NL) and ``aws:cn-north-1``
(CN-BJ), 100 kWh of IT energy each in one hour; the bundled sites give PUE 1.15, 1.14
and 1.15. Expected intensities come from the bundled source tables, not from an audit:

* US-VA lifecycle 314.995 gCO2e/kWh (EIA 2022 mix × IPCC AR5 medians, hand calculation in
  ``test_us_state_lifecycle_by_hand``); direct 539.599 lb/MWh × 0.45359237 = 244.758 (eGRID);
* NL lifecycle 267.622 (OWID/Ember 2023 country table);
* CN-BJ: lifecycle has no provincial value, so China's national 582.317 (OWID/Ember);
  direct 555.4 gCO2/kWh (MEE/NBS 2023, Beijing).
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import fairwatt
from fairwatt.cli.app import app
from fairwatt.datasets import catalog
from fairwatt.errors import FactorMissingError, InputError

runner = CliRunner()

FLEET = ["aws:us-east-1", "azure:westeurope", "aws:cn-north-1"]
PUE = {"aws:us-east-1": 1.15, "azure:westeurope": 1.14, "aws:cn-north-1": 1.15}


def _table_value(name: str, zone: str) -> float:
    df = catalog.load(name)
    return float(df.loc[df["zone"] == zone, "carbon_g_per_kwh"].iloc[0])


@pytest.fixture
def fleet_log(tmp_path: Path) -> str:
    rows = [f"2024-03-01T00:00:00Z,{site},100" for site in FLEET]
    path = tmp_path / "energy.csv"
    path.write_text("timestamp,site,energy_kwh\n" + "\n".join(rows) + "\n")
    return str(path)


def _carbon_entries(doc: dict) -> list[dict]:
    return [p for p in doc["provenance"] if p.get("factor") == "carbon_g_per_kwh"]


def test_default_audit_reports_one_lifecycle_basis_for_every_zone(fleet_log: str) -> None:
    res = runner.invoke(app, ["audit", fleet_log, "--footprints", "carbon", "-f", "json"])
    assert res.exit_code == 0, res.stderr
    doc = json.loads(res.stdout)
    entries = _carbon_entries(doc)
    assert {e["key"]: e["dataset"] for e in entries} == {
        "US-VA": "us-state-carbon-eia-ipcc2014",
        "NL": "country-carbon-owid",
        "CN": "country-carbon-owid",
    }
    assert {e["carbon_basis"] for e in entries} == {"lifecycle"}
    assert all(e["carbon_scope"].startswith("CO2e") for e in entries)
    assert doc["options"]["carbon_basis"] == "lifecycle"
    assert not any(n.startswith("carbon basis mixed") for n in doc["notes"])
    assert any(n.startswith("carbon for CN-BJ: no lifecycle data") for n in doc["notes"])
    kg = {r["site"]: r["carbon_kg"] for r in doc["tables"]["footprint"]}
    assert kg["aws:us-east-1"] == pytest.approx(100 * 1.15 * 314.995 / 1000, abs=1e-3)
    assert kg["azure:westeurope"] == pytest.approx(100 * 1.14 * 267.622 / 1000, abs=1e-6)
    assert kg["aws:cn-north-1"] == pytest.approx(100 * 1.15 * 582.317 / 1000, abs=1e-6)


def test_direct_where_data_exist(tmp_path: Path) -> None:
    log = tmp_path / "energy.csv"
    log.write_text(
        "timestamp,site,energy_kwh\n"
        "2024-03-01T00:00:00Z,aws:us-east-1,100\n2024-03-01T00:00:00Z,aws:cn-north-1,100\n"
    )
    res = runner.invoke(
        app, ["audit", str(log), "--footprints", "carbon", "--carbon-basis", "direct", "-f", "json"]
    )
    assert res.exit_code == 0, res.stderr
    doc = json.loads(res.stdout)
    entries = _carbon_entries(doc)
    assert {e["key"]: e["dataset"] for e in entries} == {
        "US-VA": "us-state-carbon-egrid2023",
        "CN-BJ": "cn-province-carbon-mee2023",
    }
    assert {e["carbon_basis"] for e in entries} == {"direct"}
    kg = {r["site"]: r["carbon_kg"] for r in doc["tables"]["footprint"]}
    assert kg["aws:us-east-1"] == pytest.approx(100 * 1.15 * 539.599 * 0.45359237 / 1000, abs=1e-3)
    assert kg["aws:cn-north-1"] == pytest.approx(100 * 1.15 * 555.4 / 1000, abs=1e-6)
    assert not any("carbon basis mixed" in n for n in doc["notes"])


@pytest.mark.parametrize("footprints", [[], ["--footprints", "carbon"]])
def test_direct_fails_clearly_where_no_direct_data_exist(
    fleet_log: str, footprints: list[str]
) -> None:
    res = runner.invoke(app, ["audit", fleet_log, *footprints, "--carbon-basis", "direct"])
    assert res.exit_code == 3
    assert "no direct carbon data for zone NL (--carbon-basis direct)" in res.stderr
    assert "--carbon-basis any" in res.stderr
    assert "Traceback" not in res.stderr


def test_any_is_the_old_mix_with_a_note(fleet_log: str) -> None:
    res = runner.invoke(
        app, ["audit", fleet_log, "--footprints", "carbon", "--carbon-basis", "any", "-f", "json"]
    )
    assert res.exit_code == 0, res.stderr
    doc = json.loads(res.stdout)
    by_key = {e["key"]: e["carbon_basis"] for e in _carbon_entries(doc)}
    assert by_key == {"US-VA": "direct", "NL": "lifecycle", "CN-BJ": "direct"}
    mixed = [n for n in doc["notes"] if n.startswith("carbon basis mixed")]
    assert mixed == [
        "carbon basis mixed: lifecycle for 1 zone (NL), direct for 2 (CN-BJ, US-VA); "
        "indices across these zones partly measure the difference in method"
    ]
    # no national-value note: each zone used its own data
    assert not any(n.startswith("carbon for ") for n in doc["notes"])


def test_a_pinned_dataset_of_the_other_basis_is_noted(fleet_log: str) -> None:
    args = ["--footprints", "carbon", "--dataset", "us-state-carbon-egrid2023", "-f", "json"]
    res = runner.invoke(app, ["audit", fleet_log, *args])
    assert res.exit_code == 0, res.stderr
    doc = json.loads(res.stdout)
    assert any(
        n.startswith("carbon basis mixed: lifecycle for 2 zones (CN-BJ, NL), direct for 1 (US-VA)")
        for n in doc["notes"]
    )


def test_a_users_file_is_recorded_as_unspecified(tmp_path: Path, fleet_log: str) -> None:
    factors = tmp_path / "carbon.csv"
    factors.write_text("zone,carbon_g_per_kwh\nUS-VA,300\nNL,250\nCN-BJ,600\n")
    result = fairwatt.audit(fleet_log, factors=str(factors), footprints="carbon")
    entries = [p for p in result.provenance if p.get("factor") == "carbon_g_per_kwh"]
    assert {e["carbon_basis"] for e in entries} == {"unspecified"}
    assert not any(n.startswith("carbon basis mixed") for n in result.notes)
    # water entries carry no carbon basis
    water = fairwatt.audit(fleet_log, footprints="water")
    assert all("carbon_basis" not in p for p in water.provenance)


def test_library_option(fleet_log: str) -> None:
    result = fairwatt.audit(fleet_log, footprints="carbon", carbon_basis="any")
    assert any(n.startswith("carbon basis mixed") for n in result.notes)
    with pytest.raises(FactorMissingError, match="no direct carbon data for zone NL"):
        fairwatt.audit(fleet_log, footprints="carbon", carbon_basis="direct")
    with pytest.raises(InputError, match="carbon_basis"):
        fairwatt.audit(fleet_log, carbon_basis="marginal")
    with pytest.raises(InputError, match="unknown carbon basis"):
        catalog.carbon_defaults("marginal")


def test_the_option_reaches_check_and_rebalance(fleet_log: str) -> None:
    rule = ["-r", "max_carbon_kg=5000"]
    res = runner.invoke(app, ["check", fleet_log, "--carbon-basis", "direct", *rule])
    # check reports a rule it cannot evaluate as a policy error (exit 2), naming the cause
    assert res.exit_code == 2, res.stdout + res.stderr
    assert "no direct carbon data for zone NL" in res.stderr
    res = runner.invoke(app, ["check", fleet_log, "--carbon-basis", "lifecycle", *rule])
    assert res.exit_code == 0, res.stdout + res.stderr
    res = runner.invoke(app, ["rebalance", "--logs", fleet_log, "--carbon-basis", "direct"])
    assert res.exit_code == 3, res.stdout + res.stderr
    assert "no direct carbon data for zone NL" in res.stderr


def test_invalid_choice_is_a_usage_error(fleet_log: str) -> None:
    res = runner.invoke(app, ["audit", fleet_log, "--carbon-basis", "marginal"])
    assert res.exit_code == 2


def test_us_state_lifecycle_by_hand() -> None:
    """EIA 2022 net generation [MWh] × IPCC AR5 lifecycle medians [g/kWh] (coal 820, gas
    490, oil 650, nuclear 12, hydro 24, solar 45, wind 11, geothermal 38, biomass 230);
    EIA 'Other' takes the known-fuel mean (left out), pumped storage is left out.

    Virginia: coal 3,346,073 × 820 = 2,743,779,860; gas 48,801,987 × 490 = 23,912,973,630;
    petroleum 651,867 × 650 = 423,713,550; nuclear 28,197,337 × 12 = 338,368,044; hydro
    1,137,050 × 24 = 27,289,200; solar 4,625,769 × 45 = 208,159,605; wind 50,852 × 11 =
    559,372; wood 2,697,788 + other biomass 947,509 = 3,645,297 × 230 = 838,418,310.
    Sum 28,493,261,571 / 90,456,232 MWh = 314.9950 g/kWh.

    California: coal 251,565 × 820 = 206,283,300; geothermal 11,180,964 × 38 =
    424,876,632; hydro 17,644,149 × 24 = 423,459,576; natural gas 96,371,557 + other gases
    1,411,516 = 97,783,073 × 490 = 47,913,705,770; nuclear 17,593,254 × 12 = 211,119,048;
    wood 2,890,722 + other biomass 2,416,598 = 5,307,320 × 230 = 1,220,683,600;
    petroleum 154,953 × 650 = 100,719,450; solar 38,789,352 × 45 = 1,745,520,840; wind
    14,638,061 × 11 = 161,018,671. Sum 52,407,386,887 / 203,342,691 MWh = 257.7294 g/kWh.
    """
    gen = catalog.load("us-state-generation-eia2022")
    va = gen[gen["zone"] == "US-VA"].set_index("energy_source")["generation_mwh"]
    assert va["Coal"] == 3_346_073 and va["Natural Gas"] == 48_801_987
    assert va["Pumped Storage"] == -1_501_756 and va["Total"] == 89_477_325
    assert _table_value("us-state-carbon-eia-ipcc2014", "US-VA") == pytest.approx(
        28_493_261_571 / 90_456_232, abs=1e-4
    )
    assert _table_value("us-state-carbon-eia-ipcc2014", "US-CA") == pytest.approx(
        52_407_386_887 / 203_342_691, abs=1e-4
    )
    info = catalog.info("us-state-carbon-eia-ipcc2014")
    assert info.carbon_basis == "lifecycle" and info.year == 2022
    assert "public-domain" in info.licence


def test_every_carbon_dataset_has_a_basis_and_scope() -> None:
    for d in catalog.manifest():
        df_cols = set(d.columns)
        if "carbon_g_per_kwh" in df_cols:
            assert d.carbon_basis in ("lifecycle", "direct", "mixed"), d.name
            assert d.carbon_scope, d.name
            assert d.provenance()["carbon_basis"] == d.carbon_basis
        else:
            assert not d.carbon_basis, d.name
    assert catalog.info("us-state-carbon-egrid2023").carbon_basis == "direct"
    assert catalog.info("cn-province-carbon-mee2023").carbon_scope.startswith("CO2 only")
    assert catalog.info("country-carbon-owid").carbon_basis == "lifecycle"


def test_factors_list_has_a_basis_column() -> None:
    res = runner.invoke(app, ["factors", "list", "-f", "csv"])
    assert res.exit_code == 0, res.stderr
    from io import StringIO

    table = pd.read_csv(StringIO(res.stdout), keep_default_na=False).set_index("name")
    assert table.loc["us-state-carbon-egrid2023", "basis"] == "direct"
    assert table.loc["us-state-carbon-eia-ipcc2014", "basis"] == "lifecycle"
    assert table.loc["us-state-carbon-eia-ipcc2014", "default_for"] == "carbon_g_per_kwh"
    assert table.loc["us-state-carbon-egrid2023", "default_for"] == ""
    assert table.loc["country-ewif-macknick-incl-hydro", "basis"] == ""
    res = runner.invoke(app, ["factors", "list", "-f", "json"])
    meta = json.loads(res.stdout)["details"]
    assert meta["carbon_defaults"]["direct"] == [
        "us-state-carbon-egrid2023",
        "cn-province-carbon-mee2023",
    ]


def test_derive_on_an_electricitymaps_breakdown_with_unknown(tmp_path: Path) -> None:
    """The recorded DE power breakdown has ``unknown`` (200 MW), biomass and geothermal.
    With no set named, each factor takes the first set that covers every fuel: the
    EIA-930 set has no biomass or geothermal, so carbon comes from the IPCC lifecycle
    medians and EWIF from Macknick (which lacks ``unknown``: the known-fuel average,
    recorded). Naming the EIA-930 set alone is refused, naming the sets to pass."""
    body = json.loads(
        (Path(__file__).parent / "data/electricitymaps/power-breakdown_latest.json").read_text()
    )
    prod = {
        k: v
        for k, v in body["powerProductionBreakdown"].items()
        if k not in ("hydro discharge", "battery discharge")
    }
    assert prod["unknown"] == 200
    mix = tmp_path / "de.csv"
    pd.DataFrame([{"timestamp": body["datetime"], "zone": body["zone"], **prod}]).to_csv(
        mix, index=False
    )
    res = runner.invoke(app, ["factors", "derive", "--fuel-mix", str(mix), "-f", "json"])
    assert res.exit_code == 0, res.stderr
    doc = json.loads(res.stdout)
    meta = doc["details"]
    assert meta["factor_sets"] == {
        "carbon_g_per_kwh": "fuel-carbon-ipcc2014-lifecycle",
        "ewif_l_per_kwh": "fuel-ewif-macknick2012-incl-hydro",
    }
    assert meta["factor_set_choice"].startswith("automatic")
    assert meta["averaged_fuels"]["ewif_l_per_kwh"]["fuels"] == ["unknown"]
    assert "known fuels" in meta["fuel_assumption"]
    share = 200 / sum(max(0, v) for v in prod.values() if v is not None)
    assert doc["notes"] == [
        f"ewif_l_per_kwh: unknown ({share:.1%} of generation) took the known fuels' "
        "generation-weighted mean factor (fairwatt's assumption)"
    ]
    res = runner.invoke(
        app,
        ["factors", "derive", "--fuel-mix", str(mix), "--factor-set", "fuel-factors-thirsty-code"],
    )
    assert res.exit_code == 2
    assert "--factor-set fuel-carbon-ipcc2014-lifecycle" in res.stderr


@pytest.mark.parametrize(
    ("provenance", "basis"),
    [
        ({"carbon_basis": "lifecycle", "emission_factor_type": "direct"}, "lifecycle"),
        ({"provider": "watttime", "emission_factor_type": "direct"}, "direct"),
        ({"provider": "ukcarbon", "emission_factor_type": "operational"}, "direct"),
        ({"provider": "electricitymaps", "emission_factor_type": "lifecycle"}, "lifecycle"),
        (
            {
                "provider": "eia",
                "emission_factor_type": "direct",
                "fuel_factor_sets": {"carbon_g_per_kwh": {"carbon_basis": "lifecycle"}},
            },
            "lifecycle",
        ),
        ({"dataset": "my.csv", "kind": "user file"}, "unspecified"),
    ],
)
def test_source_basis(provenance: dict, basis: str) -> None:
    from fairwatt.services.carbon_basis import source_basis

    assert source_basis(provenance) == basis
