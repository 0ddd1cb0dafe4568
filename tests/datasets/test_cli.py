"""`fairwatt factors` and `fairwatt sites` through the CLI runner."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from fairwatt.cli.factors import factors_app
from fairwatt.cli.sites import sites_app

runner = CliRunner()


def run(app: typer.Typer, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_factors_list_csv() -> None:
    code, out, _ = run(factors_app, "list", "-f", "csv")
    assert code == 0
    df = pd.read_csv(io.StringIO(out))
    assert {"name", "kind", "coverage", "years", "licence", "default_for"} <= set(df.columns)
    row = df.set_index("name").loc["country-carbon-owid"]
    assert row["default_for"] == "carbon_g_per_kwh" and row["licence"] == "CC-BY-4.0"
    code, out, _ = run(factors_app, "list", "--role", "fuel_factors", "-f", "csv")
    assert code == 0 and set(pd.read_csv(io.StringIO(out))["name"]) >= {
        "fuel-factors-thirsty-code",
        "fuel-carbon-ipcc2014-lifecycle",
    }


def test_factors_show_with_zone() -> None:
    code, out, _ = run(
        factors_app, "show", "us-state-carbon-egrid2023", "--zone", "US-VA", "-f", "csv"
    )
    assert code == 0
    df = pd.read_csv(io.StringIO(out))
    assert df["zone"].tolist() == ["US-VA"]
    assert df["carbon_g_per_kwh"].iloc[0] == pytest.approx(244.758, abs=1e-3)


def test_factors_show_json_has_provenance() -> None:
    code, out, _ = run(factors_app, "show", "us-health-unpaid-toll", "-f", "json")
    assert code == 0
    doc = json.loads(out)
    assert doc["provenance"][0]["dataset"] == "us-health-unpaid-toll"
    assert "health_usd_per_mwh" in doc["details"]["columns"]


def test_unknown_dataset_exits_2_with_near_matches() -> None:
    code, out, err = run(factors_app, "show", "country-carbon-owd")
    assert code == 2 and out == ""
    assert "unknown dataset 'country-carbon-owd'" in err and "country-carbon-owid" in err


def test_unknown_zone_exits_2_with_near_matches() -> None:
    code, _, err = run(factors_app, "show", "us-state-carbon-egrid2023", "--zone", "US-V")
    assert code == 2
    assert "zone 'US-V' is not in dataset" in err and "US-VA" in err


def test_cite_prints_text_and_bibtex() -> None:
    code, out, _ = run(factors_app, "cite", "fuel-ewif-macknick2012-incl-hydro")
    assert code == 0
    assert "Macknick" in out and "10.1088/1748-9326/7/4/045802" in out
    assert "@article{macknick2012" in out
    code, _, err = run(factors_app, "cite", "nope")
    assert code == 2 and "unknown dataset" in err


def test_derive_r3_mixes(tmp_path: Path) -> None:
    mix = tmp_path / "mix.csv"
    mix.write_text(
        "timestamp,NG,COL,NUC,SUN,WND\n"
        "2023-01-01T00:00Z,500,300,0,0,200\n"
        "2023-01-01T01:00Z,400,150,100,150,200\n"
    )
    out_file = tmp_path / "factors.csv"
    code, _, err = run(
        factors_app, "derive", "--fuel-mix", str(mix), "--zone", "US-BA-CISO", "-o", str(out_file)
    )
    assert code == 0, err
    df = pd.read_csv(out_file)
    assert df["zone"].tolist() == ["US-BA-CISO", "US-BA-CISO"]
    assert df["ewif_l_per_kwh"].tolist() == pytest.approx([1.07884, 0.93689], abs=1e-5)
    assert df["carbon_g_per_kwh"].tolist() == pytest.approx([515.0, 330.30], abs=0.01)
    assert "fuel-factors-thirsty-code" in err


def test_derive_long_format_and_errors(tmp_path: Path) -> None:
    mix = tmp_path / "long.csv"
    mix.write_text("year,zone,fuel,generation_mwh\n2023,XX,gas,3\n2023,XX,wind,1\n")
    code, out, err = run(
        factors_app,
        "derive",
        "--fuel-mix",
        str(mix),
        "--factor-set",
        "fuel-carbon-ipcc2014-lifecycle",
        "-f",
        "csv",
    )
    assert code == 0, err
    df = pd.read_csv(io.StringIO(out))
    # (3 × 490 + 1 × 11) / 4 = 370.25
    assert df["carbon_g_per_kwh"].tolist() == pytest.approx([370.25])
    assert "ewif_l_per_kwh" not in df.columns
    naive = tmp_path / "naive.csv"
    naive.write_text("timestamp,gas\n2023-01-01 00:00,1\n")
    code, _, err = run(factors_app, "derive", "--fuel-mix", str(naive), "--zone", "X")
    assert code == 2 and "--tz" in err
    code, _, err = run(
        factors_app,
        "derive",
        "--fuel-mix",
        str(naive),
        "--zone",
        "X",
        "--tz",
        "UTC",
        "--factor-set",
        "country-carbon-owid",
    )
    assert code == 2 and "not a per-fuel factor set" in err
    peat = tmp_path / "peat.csv"
    peat.write_text("timestamp,peat\n2023-01-01T00:00Z,1\n")
    code, _, err = run(factors_app, "derive", "--fuel-mix", str(peat), "--zone", "X")
    assert code == 2 and "peat" in err and "column 'peat'" in err


def test_sites_list_and_show() -> None:
    code, out, _ = run(sites_app, "list", "--provider", "gcp", "-f", "csv")
    assert code == 0
    df = pd.read_csv(io.StringIO(out))
    assert set(df["provider"]) == {"gcp"} and "gcp:europe-west1" in set(df["site"])
    code, out, _ = run(sites_app, "show", "azure:westeurope", "-f", "csv")
    assert code == 0
    fields = pd.read_csv(io.StringIO(out)).set_index("field")["value"]
    assert fields["zone"] == "NL"


def test_sites_unknown_site_and_provider_exit_2(tmp_path: Path) -> None:
    code, _, err = run(sites_app, "show", "aws:us-east1")
    assert code == 2 and "did you mean aws:us-east-1" in err and "--sites" in err
    code, _, err = run(sites_app, "list", "--provider", "oracle")
    assert code == 2 and "unknown provider" in err
    bad = tmp_path / "bad.csv"
    bad.write_text("site,zone,pue,wue_l_per_kwh\nx,US,9,0.1\n")
    code, _, err = run(sites_app, "list", "--sites", str(bad))
    assert code == 2 and "row 2" in err and "'pue'" in err


def test_sites_with_user_file(tmp_path: Path) -> None:
    f = tmp_path / "mine.toml"
    f.write_text('[sites."my-dc"]\nzone = "US-VA"\npue = 1.2\nwue_l_per_kwh = 0.3\n')
    code, out, _ = run(sites_app, "show", "my-dc", "--sites", str(f), "-f", "csv")
    assert code == 0
    assert pd.read_csv(io.StringIO(out)).set_index("field")["value"]["pue"] == "1.2"


@pytest.mark.parametrize(
    ("app", "command"),
    [
        (factors_app, "list"),
        (factors_app, "show"),
        (factors_app, "cite"),
        (factors_app, "derive"),
        (sites_app, "list"),
        (sites_app, "show"),
    ],
)
def test_every_command_has_help(app: typer.Typer, command: str) -> None:
    code, out, _ = run(app, command, "--help")
    assert code == 0 and "Example" in out
