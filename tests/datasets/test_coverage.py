"""Every catalog site resolves to carbon and water (and, in the US, health) factors
through the default datasets, walking the zone chain (US-VA -> US, SE-SE3 -> SE)."""

from __future__ import annotations

from functools import cache

import pytest

from fairwatt.datasets import catalog
from fairwatt.factors.sites import load_sites


def chain(zone: str) -> list[str]:
    """'US-IA-ALTOONA' -> ['US-IA-ALTOONA', 'US-IA', 'US'] (finest first)."""
    parts = zone.split("-")
    return ["-".join(parts[:i]) for i in range(len(parts), 0, -1)]


@cache
def default_zones(factor: str) -> frozenset[str]:
    zones: set[str] = set()
    for name in catalog.default_datasets(factor):
        df = catalog.load(name)
        zones |= set(df.loc[df[factor].notna(), "zone"])
    return frozenset(zones)


def resolves(site: str, zone: str, factor: str) -> str | None:
    keys = [site, *chain(zone)]
    return next((k for k in keys if k in default_zones(factor)), None)


SITES = load_sites()
SITE_IDS = list(SITES.index)


def test_chain() -> None:
    assert chain("US-IA-ALTOONA") == ["US-IA-ALTOONA", "US-IA", "US"]
    assert chain("SE-SE3") == ["SE-SE3", "SE"]
    assert chain("DE") == ["DE"]


@pytest.mark.parametrize("factor", ["carbon_g_per_kwh", "ewif_l_per_kwh"])
def test_every_site_has_carbon_and_water(factor: str) -> None:
    missing = [s for s in SITE_IDS if resolves(s, SITES.loc[s, "zone"], factor) is None]
    assert missing == []


def test_every_us_site_has_health() -> None:
    us = [s for s in SITE_IDS if chain(SITES.loc[s, "zone"])[-1] == "US"]
    assert len(us) >= 20
    missing = [s for s in us if resolves(s, SITES.loc[s, "zone"], "health_usd_per_mwh") is None]
    assert missing == []


def test_subnational_zones_use_the_finer_data() -> None:
    # state, province and bidding-zone sites resolve to their own key, not the country
    assert resolves("aws:us-east-1", "US-VA", "carbon_g_per_kwh") == "US-VA"
    assert resolves("aws:ca-central-1", "CA-QC", "carbon_g_per_kwh") == "CA-QC"
    assert resolves("aws:ca-central-1", "CA-QC", "ewif_l_per_kwh") == "CA-QC"
    # no lifecycle data by Chinese province: the national lifecycle value (OWID/Ember)
    assert resolves("aws:cn-north-1", "CN-BJ", "carbon_g_per_kwh") == "CN"
    assert resolves("aws:eu-north-1", "SE-SE3", "carbon_g_per_kwh") == "SE-SE3"
    # no state-level water data: US states fall back to the US value
    assert resolves("aws:us-east-1", "US-VA", "ewif_l_per_kwh") == "US"


def test_direct_carbon_defaults_cover_us_states_and_chinese_provinces() -> None:
    zones: set[str] = set()
    for name in catalog.carbon_defaults("direct"):
        assert catalog.info(name).carbon_basis == "direct"
        zones |= set(catalog.load(name)["zone"])
    assert {"US-VA", "CN-BJ", "CN-NX"} <= zones
    assert "NL" not in zones and "CN" not in zones


@pytest.mark.parametrize("basis", ["lifecycle", "direct"])
def test_carbon_defaults_of_one_basis_hold_that_basis_only(basis: str) -> None:
    names = catalog.carbon_defaults(basis)
    assert names and {catalog.info(n).carbon_basis for n in names} == {basis}
    if basis == "lifecycle":
        assert names == catalog.default_datasets("carbon_g_per_kwh")
