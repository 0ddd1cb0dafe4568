"""The metric registry of `fairwatt check`: every metric has its rule keys and unit."""

from __future__ import annotations

from fairwatt.footprint_models.equity import equity_indices
from fairwatt.services.check_metrics import (
    index_slug,
    metrics,
    param_spelling,
    rule_catalog,
    rule_keys,
)


def test_every_metric_has_a_limit_and_a_change_key() -> None:
    ms = metrics()
    keys = rule_keys()
    assert len(keys) == 2 * len(ms)
    for name, m in ms.items():
        prefix = "min" if name.startswith("jain_index_") else "max"
        assert keys[f"{prefix}_{name}"] == (m, "limit")
        assert m.unit
    # every index of the audit's equity table, for each compared footprint
    for slug in ("gini", "max_to_mean", "theil_t", "atkinson_0_5", "atkinson_2", "lq_norm_2"):
        for fp in ("carbon_kg", "water_l", "health_usd"):
            assert f"{slug}_{fp}" in ms
    assert ms["lq_norm_2_water_l"].unit == "L"
    assert ms["gini_water_l"].unit == "1"


def test_inequity_metrics_name_the_index_as_the_equity_table_does() -> None:
    names = {r.index for r in equity_indices([1.0, 2.0])}
    m = metrics()["atkinson_0_5_water_l"]
    assert (m.index, m.index_name) == ("atkinson_0_5", "atkinson(0.5)")
    for metric in metrics().values():
        if metric.kind == "inequity":
            assert metric.index_name in names
            assert metric.index == index_slug(str(metric.index_name))


def test_catalog_names_the_baseline_as_the_caller_spells_it() -> None:
    table = rule_catalog().tables["rules"]
    meaning = dict(zip(table["rule"], table["meaning"], strict=True))
    assert meaning["max_increase_pct_carbon_kg"].startswith("increase against baseline_file:")
    flags = rule_catalog(spell=lambda name, value: "--baseline").tables["rules"]
    assert "against --baseline" in flags.set_index("rule").at["max_increase_pct_water_l", "meaning"]
    assert param_spelling("by", "zone") == "by=zone"
