"""The README's Python API example runs as written (a doctest of its code block).

Its numbers check out by hand: facility energy is IT energy x the catalog PUE
(aws:us-east-1 220 kWh x 1.15 = 253, aws:eu-west-1 160 x 1.15 = 184,
gcp:asia-northeast1 100 x 1.12 = 112); the Gini of (3, 7, 10) is
sum|x_i - x_j| / (2 n^2 mean) = 28 / (2 x 9 x 20/3) = 0.2333 and max/mean 10 / (20/3)
= 1.5; 629,943.21 is the eGLB objective on the partial mask of the e-Energy 2024
benchmark (Li, Yang, Wierman, Ren).
"""

from __future__ import annotations

import doctest
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _example() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = re.search(r"^## Python API\n(.*?)^## ", text, re.S | re.M)
    assert section, "README has no '## Python API' section"
    (block,) = re.findall(r"```python\n(.*?)```", section.group(1), re.S)
    return block


def test_readme_python_api_example(monkeypatch: pytest.MonkeyPatch) -> None:
    import pandas as pd

    monkeypatch.chdir(ROOT)
    parser = doctest.DocTestParser()
    test = parser.get_doctest(_example(), {}, "README.md", "README.md", 0)
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    with pd.option_context("display.width", 100, "display.max_columns", 20):
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.attempted >= 8
    assert result.failed == 0
