"""Turn the eGLB benchmark into audit inputs: the 'nearest site' status quo as an energy log.

Each of the 10 gateways is served by the site beside it, so site i draws
``P_t / 2708 W x 10 MWh / 10`` of IT energy in hour t (REFERENCE: Li, Yang, Wierman, Ren,
e-Energy 2024, arXiv:2307.05494; the demand normalisation of its official code). The
sites table maps each site to its grid zone with PUE 1 (the benchmark's factors are used
as they are: its water intensity already combines on-site water and PUE 1.1 x off-site
EWIF), to be audited with the bundled ``eglb-hourly-2022`` dataset:

    fairwatt audit sample_inputs/eglb/audit/energy.csv --sites sample_inputs/eglb/audit/sites.csv \
        --dataset eglb-hourly-2022 --water-model total --footprints carbon,water

Usage: python scripts/make_eglb_audit_inputs.py [--eglb sample_inputs/eglb] [--out DIR]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

SITES = {  # site -> grid zone, in the benchmark's order
    "eglb:texas": "US-TX",
    "eglb:virginia": "US-VA",
    "eglb:georgia": "US-GA",
    "eglb:nevada": "US-NV",
    "eglb:germany": "DE",
    "eglb:belgium": "BE",
    "eglb:netherlands": "NL",
    "eglb:denmark": "DK",
    "eglb:japan": "JP",
    "eglb:singapore": "SG",
}
NORMALISING_POWER_W = 2708.0
TOTAL_MWH = 10.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eglb", type=Path, default=Path("sample_inputs/eglb"))
    parser.add_argument("--out", type=Path, default=Path("sample_inputs/eglb/audit"))
    args = parser.parse_args()
    trace = pd.read_csv(args.eglb / "AI_workload.csv")
    hours = pd.to_datetime(trace["Time (UTC)"], format="%Y-%m-%d %H").dt.tz_localize("UTC")
    per_site_kwh = trace["Power (Watt)"] / NORMALISING_POWER_W * TOTAL_MWH / len(SITES) * 1000.0
    log = pd.DataFrame(
        {
            "timestamp": [h.isoformat() for h in hours for _ in SITES],
            "site": [s for _ in hours for s in SITES],
            "energy_kwh": [e for e in per_site_kwh for _ in SITES],
        }
    )
    args.out.mkdir(parents=True, exist_ok=True)
    log.to_csv(args.out / "energy.csv", index=False, float_format="%.10g")
    sites = pd.DataFrame(
        {
            "site": list(SITES),
            "zone": list(SITES.values()),
            "pue": 1.0,
            "wue_l_per_kwh": 0.0,
            "label": [s.split(":")[1].title() for s in SITES],
        }
    )
    sites.to_csv(args.out / "sites.csv", index=False)
    print(f"wrote {len(log)} records for {len(SITES)} sites to {args.out}")


if __name__ == "__main__":
    main()
