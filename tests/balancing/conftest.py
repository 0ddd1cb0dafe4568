"""Shared fixtures: the eGLB benchmark scenario and small scenario builders."""

from __future__ import annotations

from pathlib import Path

import pytest

from fairwatt.balancing.scenario import Scenario
from fairwatt.services.rebalance import LoadedScenario, load_scenario

ROOT = Path(__file__).resolve().parents[2]
EGLB = ROOT / "sample_inputs" / "eglb" / "scenario.toml"


@pytest.fixture(scope="session")
def eglb_loaded() -> LoadedScenario:
    return load_scenario(EGLB)


@pytest.fixture(scope="session")
def eglb(eglb_loaded: LoadedScenario) -> Scenario:
    return eglb_loaded.scenario
