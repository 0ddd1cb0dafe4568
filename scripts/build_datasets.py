#!/usr/bin/env python
"""Build fairwatt's bundled datasets from the raw public sources.

Usage::

    python scripts/build_datasets.py /path/to/data-sources [--eglb PATH] [--out DIR]

``data-sources`` is the folder of raw files (its README lists each file, its origin and
licence); ``--eglb`` is the folder of the eGLB benchmark data (default: the folder
``eglb-benchmark`` beside ``data-sources``). The script writes every bundled file under
``src/fairwatt/datasets/data/`` and rewrites ``src/fairwatt/datasets/manifest.json``
(with each file's sha256). It is deterministic: the same inputs give the same tables
and the same manifest. Only data whose licence allows redistribution is written.

The script is a development tool and is not shipped in the package.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import math
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from fairwatt import units  # noqa: E402
from fairwatt.schema import PLAUSIBLE_RANGES  # noqa: E402

# ISO 3166-1 alpha-3 -> alpha-2 for every country code found in the raw files.
ISO3_TO_ISO2: dict[str, str] = {
    "ABW": "AW",
    "AFG": "AF",
    "AGO": "AO",
    "ALB": "AL",
    "ARE": "AE",
    "ARG": "AR",
    "ARM": "AM",
    "ASM": "AS",
    "ATG": "AG",
    "AUS": "AU",
    "AUT": "AT",
    "AZE": "AZ",
    "BDI": "BI",
    "BEL": "BE",
    "BEN": "BJ",
    "BFA": "BF",
    "BGD": "BD",
    "BGR": "BG",
    "BHR": "BH",
    "BHS": "BS",
    "BIH": "BA",
    "BLR": "BY",
    "BLZ": "BZ",
    "BMU": "BM",
    "BOL": "BO",
    "BRA": "BR",
    "BRB": "BB",
    "BRN": "BN",
    "BTN": "BT",
    "BWA": "BW",
    "CAF": "CF",
    "CAN": "CA",
    "CHE": "CH",
    "CHL": "CL",
    "CHN": "CN",
    "CIV": "CI",
    "CMR": "CM",
    "COD": "CD",
    "COG": "CG",
    "COK": "CK",
    "COL": "CO",
    "COM": "KM",
    "CPV": "CV",
    "CRI": "CR",
    "CUB": "CU",
    "CYM": "KY",
    "CYP": "CY",
    "CZE": "CZ",
    "DEU": "DE",
    "DJI": "DJ",
    "DMA": "DM",
    "DNK": "DK",
    "DOM": "DO",
    "DZA": "DZ",
    "ECU": "EC",
    "EGY": "EG",
    "ERI": "ER",
    "ESH": "EH",
    "ESP": "ES",
    "EST": "EE",
    "ETH": "ET",
    "FIN": "FI",
    "FJI": "FJ",
    "FLK": "FK",
    "FRA": "FR",
    "FRO": "FO",
    "GAB": "GA",
    "GBR": "GB",
    "GEO": "GE",
    "GHA": "GH",
    "GIB": "GI",
    "GIN": "GN",
    "GLP": "GP",
    "GMB": "GM",
    "GNB": "GW",
    "GNQ": "GQ",
    "GRC": "GR",
    "GRD": "GD",
    "GRL": "GL",
    "GTM": "GT",
    "GUF": "GF",
    "GUM": "GU",
    "GUY": "GY",
    "HKG": "HK",
    "HND": "HN",
    "HRV": "HR",
    "HTI": "HT",
    "HUN": "HU",
    "IDN": "ID",
    "IND": "IN",
    "IRL": "IE",
    "IRN": "IR",
    "IRQ": "IQ",
    "ISL": "IS",
    "ISR": "IL",
    "ITA": "IT",
    "JAM": "JM",
    "JOR": "JO",
    "JPN": "JP",
    "KAZ": "KZ",
    "KEN": "KE",
    "KGZ": "KG",
    "KHM": "KH",
    "KIR": "KI",
    "KNA": "KN",
    "KOR": "KR",
    "KWT": "KW",
    "LAO": "LA",
    "LBN": "LB",
    "LBR": "LR",
    "LBY": "LY",
    "LCA": "LC",
    "LKA": "LK",
    "LSO": "LS",
    "LTU": "LT",
    "LUX": "LU",
    "LVA": "LV",
    "MAC": "MO",
    "MAR": "MA",
    "MDA": "MD",
    "MDG": "MG",
    "MDV": "MV",
    "MEX": "MX",
    "MKD": "MK",
    "MLI": "ML",
    "MLT": "MT",
    "MMR": "MM",
    "MNE": "ME",
    "MNG": "MN",
    "MOZ": "MZ",
    "MRT": "MR",
    "MSR": "MS",
    "MTQ": "MQ",
    "MUS": "MU",
    "MWI": "MW",
    "MYS": "MY",
    "NAM": "NA",
    "NCL": "NC",
    "NER": "NE",
    "NGA": "NG",
    "NIC": "NI",
    "NLD": "NL",
    "NOR": "NO",
    "NPL": "NP",
    "NRU": "NR",
    "NZL": "NZ",
    "OMN": "OM",
    "PAK": "PK",
    "PAN": "PA",
    "PER": "PE",
    "PHL": "PH",
    "PNG": "PG",
    "POL": "PL",
    "PRI": "PR",
    "PRK": "KP",
    "PRT": "PT",
    "PRY": "PY",
    "PSE": "PS",
    "PYF": "PF",
    "QAT": "QA",
    "REU": "RE",
    "ROU": "RO",
    "RUS": "RU",
    "RWA": "RW",
    "SAU": "SA",
    "SDN": "SD",
    "SEN": "SN",
    "SGP": "SG",
    "SHN": "SH",
    "SLB": "SB",
    "SLE": "SL",
    "SLV": "SV",
    "SOM": "SO",
    "SPM": "PM",
    "SRB": "RS",
    "SSD": "SS",
    "STP": "ST",
    "SUR": "SR",
    "SVK": "SK",
    "SVN": "SI",
    "SWE": "SE",
    "SWZ": "SZ",
    "SYC": "SC",
    "SYR": "SY",
    "TCA": "TC",
    "TCD": "TD",
    "TGO": "TG",
    "THA": "TH",
    "TJK": "TJ",
    "TKM": "TM",
    "TLS": "TL",
    "TON": "TO",
    "TTO": "TT",
    "TUN": "TN",
    "TUR": "TR",
    "TWN": "TW",
    "TZA": "TZ",
    "UGA": "UG",
    "UKR": "UA",
    "URY": "UY",
    "USA": "US",
    "UZB": "UZ",
    "VCT": "VC",
    "VEN": "VE",
    "VGB": "VG",
    "VIR": "VI",
    "VNM": "VN",
    "VUT": "VU",
    "WSM": "WS",
    "YEM": "YE",
    "ZAF": "ZA",
    "ZMB": "ZM",
    "ZWE": "ZW",
}

# ---------------------------------------------------------------------------
# Sources: citation text and BibTeX, reused by several datasets.
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    title: str
    url: str
    citation: str
    bibtex: str

    def ref(self) -> dict[str, str]:
        return {"title": self.title, "url": self.url}


SOURCES: dict[str, Source] = {
    "owid": Source(
        "Our World in Data, Energy dataset (electricity mix and carbon intensity; data from "
        "Ember and the Energy Institute), as packaged in CodeCarbon 3.3.2 "
        "(codecarbon/data/private_infra/global_energy_mix.json)",
        "https://github.com/owid/energy-data",
        "Ritchie, H., Rosado, P. and Roser, M. Energy. Our World in Data (2023); data from "
        "Ember - Yearly Electricity Data and Energy Institute - Statistical Review of World "
        "Energy. Licence CC BY 4.0.",
        "@misc{owid_energy,\n  author = {Ritchie, Hannah and Rosado, Pablo and Roser, Max},\n"
        "  title = {Energy},\n  howpublished = {Our World in Data},\n  year = {2023},\n"
        "  url = {https://ourworldindata.org/energy},\n"
        "  note = {Data from Ember and the Energy Institute; CC BY 4.0}\n}",
    ),
    "ember2021": Source(
        "Ember, Yearly Electricity Data 2021 (carbon intensity of generation), as vendored by "
        "The Green Web Foundation's grid-intensity-go (data/co2-intensities-ember-2021.csv)",
        "https://ember-energy.org/data/yearly-electricity-data/",
        "Ember. Yearly Electricity Data (2022 release, year 2021). Licence CC BY 4.0.",
        "@misc{ember_2021,\n  author = {{Ember}},\n  title = {Yearly Electricity Data},\n"
        "  year = {2022},\n  url = {https://ember-energy.org/data/yearly-electricity-data/},\n"
        "  note = {Data year 2021; CC BY 4.0}\n}",
    ),
    "egrid2023": Source(
        "U.S. EPA, Emissions & Generation Resource Integrated Database eGRID2023, state "
        "annual CO2e total output emission rate (STC2ERTA)",
        "https://www.epa.gov/egrid/download-data",
        "U.S. Environmental Protection Agency. Emissions & Generation Resource Integrated "
        "Database (eGRID2023). Washington, DC: Office of Atmospheric Protection, Clean Air "
        "and Power Division (2025). Public domain.",
        "@misc{egrid2023,\n  author = {{U.S. Environmental Protection Agency}},\n"
        "  title = {Emissions \\& Generation Resource Integrated Database (eGRID2023)},\n"
        "  year = {2025},\n  url = {https://www.epa.gov/egrid}\n}",
    ),
    "eia_state_generation": Source(
        "U.S. EIA, Net Generation by State by Type of Producer by Energy Source "
        "(annual_generation_state.xls, Forms EIA-906, EIA-920 and EIA-923), year 2022, Total "
        "Electric Power Industry; copy taken from github.com/AuslinD/Computing-EnvJustice "
        "Data/annual_generation_state.xlsx (commit 13a15ec)",
        "https://www.eia.gov/electricity/data/state/",
        "U.S. Energy Information Administration. Net Generation by State by Type of Producer "
        "by Energy Source, 1990-2022 (annual_generation_state.xls), from Forms EIA-906, "
        "EIA-920 and EIA-923. Public domain.",
        "@misc{eia_state_generation,\n  author = {{U.S. Energy Information Administration}},\n"
        "  title = {Net Generation by State by Type of Producer by Energy Source},\n"
        "  year = {2023},\n  url = {https://www.eia.gov/electricity/data/state/},\n"
        "  note = {Data year 2022; public domain}\n}",
    ),
    "cer_canada": Source(
        "Canada Energy Regulator, Provincial and Territorial Energy Profiles (electricity "
        "generation shares 2023), as packaged in CodeCarbon 3.3.2 "
        "(private_infra/2023/canada_energy_mix.json)",
        "https://www.cer-rec.gc.ca/en/data-analysis/energy-markets/provincial-territorial-energy-profiles/",
        "Canada Energy Regulator. Provincial and Territorial Energy Profiles (2023 generation "
        "shares), via CodeCarbon (MIT).",
        "@misc{cer_profiles,\n  author = {{Canada Energy Regulator}},\n"
        "  title = {Provincial and Territorial Energy Profiles},\n  year = {2023},\n"
        "  url = {https://www.cer-rec.gc.ca/en/data-analysis/energy-markets/"
        "provincial-territorial-energy-profiles/}\n}",
    ),
    "ipcc2014": Source(
        "IPCC AR5 WG3 Annex III (2014), median lifecycle emissions by technology, as "
        "tabulated in electricitymaps-contrib config/defaults.yaml (numbers only)",
        "https://www.ipcc.ch/site/assets/uploads/2018/02/ipcc_wg3_ar5_annex-iii.pdf",
        "Schlömer, S. et al. Annex III: Technology-specific cost and performance parameters. "
        "In: Climate Change 2014: Mitigation of Climate Change. Contribution of Working "
        "Group III to the Fifth Assessment Report of the IPCC. Cambridge University Press "
        "(2014). Oil lifecycle factor: UK POST (2014); direct factors: IPCC 2014, BEIS 2021, "
        "EIA 2020, as compiled by Electricity Maps.",
        '@incollection{ipcc2014_annex3,\n  author = {Schl{\\"o}mer, S. and Bruckner, T. and '
        "Fulton, L. and others},\n  title = {Annex {III}: Technology-specific cost and "
        "performance parameters},\n  booktitle = {Climate Change 2014: Mitigation of Climate "
        "Change. Contribution of Working Group III to the Fifth Assessment Report of the "
        "Intergovernmental Panel on Climate Change},\n  publisher = {Cambridge University "
        "Press},\n  year = {2014}\n}",
    ),
    "mee2023": Source(
        "Ministry of Ecology and Environment and National Bureau of Statistics of China, "
        "Announcement 2025 No. 47, Table 3: provincial average electricity CO2 emission "
        "factors 2023, as packaged in CodeCarbon 3.3.2",
        "https://www.mee.gov.cn/xxgk2018/xxgk/xxgk01/202512/t20251231_1139517.html",
        "Ministry of Ecology and Environment (MEE) and National Bureau of Statistics (NBS) "
        "of China. Announcement 2025 No. 47: 2023 electricity CO2 emission factors, Table 3 "
        "(2025).",
        "@misc{mee2023_factors,\n  author = {{Ministry of Ecology and Environment of China} "
        "and {National Bureau of Statistics of China}},\n  title = {Announcement on the "
        "release of the 2023 electricity {CO2} emission factors (2025 No. 47)},\n"
        "  year = {2025},\n  url = {https://www.mee.gov.cn/xxgk2018/xxgk/xxgk01/202512/"
        "t20251231_1139517.html}\n}",
    ),
    "nordic": Source(
        "Nordic bidding-zone factors derived from ENTSO-E Transparency Platform actual "
        "generation per production type (A75), full year 2025, as packaged in CodeCarbon "
        "(private_infra/nordic_emissions.json)",
        "https://github.com/mlco2/codecarbon",
        "CodeCarbon contributors. Nordic bidding-zone electricity emission factors derived "
        "from ENTSO-E A75 generation data (2025), in CodeCarbon 3.3.2 (MIT). Underlying "
        "data: ENTSO-E Transparency Platform.",
        "@misc{codecarbon_nordic,\n  author = {{CodeCarbon contributors}},\n"
        "  title = {Nordic bidding-zone electricity emission factors (ENTSO-E A75, 2025)},\n"
        "  year = {2026},\n  url = {https://github.com/mlco2/codecarbon}\n}",
    ),
    "google": Source(
        "Google Cloud, Carbon free energy for Google Cloud regions (region-carbon-info, "
        "data/yearly/*.csv, commit 49f3f26)",
        "https://github.com/GoogleCloudPlatform/region-carbon-info",
        "Google Cloud. Carbon free energy for Google Cloud regions (region-carbon-info), "
        "2019-2024 yearly data. Licensed under the Apache License 2.0.",
        "@misc{google_region_carbon,\n  author = {{Google Cloud}},\n  title = {Carbon free "
        "energy for {Google Cloud} regions},\n  year = {2025},\n"
        "  url = {https://github.com/GoogleCloudPlatform/region-carbon-info},\n"
        "  note = {Apache-2.0}\n}",
    ),
    "ccf": Source(
        "Cloud Carbon Footprint: AwsFootprintEstimationConstants.ts (AWS) and "
        "ccf-coefficients data/grid-emissions-factors-azure.csv (Azure)",
        "https://github.com/cloud-carbon-footprint/ccf-coefficients",
        "Cloud Carbon Footprint (Thoughtworks). Cloud provider grid emissions factors "
        "(coefficients), Apache License 2.0.",
        "@misc{ccf_coefficients,\n  author = {{Cloud Carbon Footprint}},\n"
        "  title = {Cloud Carbon Footprint coefficients},\n  year = {2021},\n"
        "  url = {https://www.cloudcarbonfootprint.org},\n  note = {Apache-2.0}\n}",
    ),
    "codecarbon_fuel": Source(
        "CodeCarbon 3.3.2 carbon_intensity_per_source.json (per-fuel lifecycle factors "
        "compiled from energy-usage, World Nuclear Association 2011 and IPCC AR5)",
        "https://github.com/mlco2/codecarbon",
        "CodeCarbon contributors. carbon_intensity_per_source.json in CodeCarbon 3.3.2 (MIT); "
        "values from World Nuclear Association (2011) Comparison of lifecycle greenhouse gas "
        "emissions of various electricity generation sources, and IPCC AR5 WG3 Annex III.",
        "@misc{codecarbon,\n  author = {{CodeCarbon contributors}},\n  title = {CodeCarbon: "
        "estimate and track carbon emissions from machine learning computing},\n"
        "  year = {2026},\n  version = {3.3.2},\n  url = {https://github.com/mlco2/codecarbon}\n}",
    ),
    "neso": Source(
        "National Energy System Operator (NESO) Carbon Intensity API, GET /intensity/factors",
        "https://carbon-intensity.github.io/api-definitions/",
        "National Energy System Operator. Carbon Intensity API, fuel-type factors "
        "(/intensity/factors). Licence CC BY 4.0.",
        "@misc{neso_carbon_intensity,\n  author = {{National Energy System Operator}},\n"
        "  title = {Carbon Intensity {API}: fuel-type factors},\n  year = {2024},\n"
        "  url = {https://carbonintensity.org.uk},\n  note = {CC BY 4.0}\n}",
    ),
    "thirsty": Source(
        'Li, Yang, Islam, Ren: Making AI Less "Thirsty" (arXiv:2304.03271) and its official '
        "code Ren-Research/Making-AI-Less-Thirsty (utils/dataloader.py, MIT)",
        "https://arxiv.org/abs/2304.03271",
        'Li, P., Yang, J., Islam, M. A. and Ren, S. Making AI Less "Thirsty": Uncovering and '
        "Addressing the Secret Water Footprint of AI Models. arXiv:2304.03271 (2023); "
        "Communications of the ACM (2025).",
        "@article{li2023thirsty,\n  author = {Li, Pengfei and Yang, Jianyi and Islam, "
        "Mohammad A. and Ren, Shaolei},\n  title = {Making {AI} Less ``Thirsty'': Uncovering "
        "and Addressing the Secret Water Footprint of {AI} Models},\n  journal = {arXiv "
        "preprint arXiv:2304.03271},\n  year = {2023},\n  eprint = {2304.03271},\n"
        "  archivePrefix = {arXiv}\n}",
    ),
    "macknick2012": Source(
        "Macknick et al. 2012, Environ. Res. Lett. 7 045802, Table 1 median operational water "
        "consumption factors",
        "https://doi.org/10.1088/1748-9326/7/4/045802",
        "Macknick, J., Newmark, R., Heath, G. and Hallett, K. C. Operational water "
        "consumption and withdrawal factors for electricity generating technologies: a "
        "review of existing literature. Environmental Research Letters 7, 045802 (2012). "
        "doi:10.1088/1748-9326/7/4/045802",
        "@article{macknick2012,\n  author = {Macknick, Jordan and Newmark, Robin and Heath, "
        "Garvin and Hallett, K. C.},\n  title = {Operational water consumption and withdrawal "
        "factors for electricity generating technologies: a review of existing literature},\n"
        "  journal = {Environmental Research Letters},\n  volume = {7},\n  number = {4},\n"
        "  pages = {045802},\n  year = {2012},\n  doi = {10.1088/1748-9326/7/4/045802}\n}",
    ),
    "unpaid_toll": Source(
        "Han, Wu, Li, Wierman, Ren: The Unpaid Toll: Quantifying the Public Health Impact of "
        "AI (arXiv:2412.06288), Tables 1 and 4 (per-location prices derived from Table 4)",
        "https://arxiv.org/abs/2412.06288",
        "Han, Y., Wu, Z., Li, P., Wierman, A. and Ren, S. The Unpaid Toll: Quantifying the "
        "Public Health Impact of AI. arXiv:2412.06288 (2024).",
        "@article{han2024unpaid,\n  author = {Han, Yuelin and Wu, Zhifeng and Li, Pengfei and "
        "Wierman, Adam and Ren, Shaolei},\n  title = {The Unpaid Toll: Quantifying the Public "
        "Health Impact of {AI}},\n  journal = {arXiv preprint arXiv:2412.06288},\n"
        "  year = {2024},\n  eprint = {2412.06288},\n  archivePrefix = {arXiv}\n}",
    ),
    "health_predictor": Source(
        "Ren-Research/Health-Impact-Predictor data/{CISO,ERCO,PJM,TVA}_dataset.csv (MIT), "
        "official data of 'Predicting Public Health Impacts of Electricity Usage'",
        "https://github.com/Ren-Research/Health-Impact-Predictor",
        "Liu, Y., Wu, Z., Li, P. and Ren, S. Predicting Public Health Impacts of Electricity "
        "Usage. NeurIPS 2025 Workshop on Socially Responsible and Trustworthy Foundation "
        "Models (ResponsibleFM); arXiv:2511.22031. Data: Ren-Research/Health-Impact-Predictor "
        "(MIT).",
        "@inproceedings{liu2025health,\n  author = {Liu, Yejia and Wu, Zhifeng and Li, "
        "Pengfei and Ren, Shaolei},\n  title = {Predicting Public Health Impacts of "
        "Electricity Usage},\n  booktitle = {NeurIPS 2025 Workshop on Socially Responsible "
        "and Trustworthy Foundation Models},\n  year = {2025},\n  eprint = {2511.22031},\n"
        "  archivePrefix = {arXiv}\n}",
    ),
    "eglb": Source(
        "Li, Yang, Wierman, Ren: Towards Environmentally Equitable AI via Geographical Load "
        "Balancing (arXiv:2307.05494) and its official code and data "
        "Ren-Research/Environmentally-Equitable-AI (MIT)",
        "https://arxiv.org/abs/2307.05494",
        "Li, P., Yang, J., Wierman, A. and Ren, S. Towards Environmentally Equitable AI via "
        "Geographical Load Balancing. Proc. ACM e-Energy 2024; arXiv:2307.05494. Data: "
        "Ren-Research/Environmentally-Equitable-AI (MIT).",
        "@inproceedings{li2024eglb,\n  author = {Li, Pengfei and Yang, Jianyi and Wierman, "
        "Adam and Ren, Shaolei},\n  title = {Towards Environmentally Equitable {AI} via "
        "Geographical Load Balancing},\n  booktitle = {Proceedings of the 15th ACM "
        "International Conference on Future and Sustainable Energy Systems (e-Energy)},\n"
        "  year = {2024},\n  eprint = {2307.05494},\n  archivePrefix = {arXiv}\n}",
    ),
    "operators": Source(
        "Operator-published data-center efficiency figures: Google (datacenters.google/"
        "efficiency), Microsoft (datacenters.microsoft.com/sustainability/efficiency), Amazon "
        "(sustainability.aboutamazon.com), Uptime Institute survey averages",
        "https://datacenters.google/efficiency/",
        "Google. Data center efficiency (page state 2025-10-16); Microsoft. Datacenter "
        "efficiency (FY2024-25, page state 2025-10-16); Amazon. AWS Cloud sustainability "
        "(2024 WUE and PUE); Uptime Institute. Global Data Center Survey (2020-2023).",
        "@misc{google_dc_efficiency,\n  author = {{Google}},\n  title = {Data center "
        "efficiency},\n  year = {2025},\n  url = {https://datacenters.google/efficiency/}\n}\n"
        "@misc{microsoft_dc_efficiency,\n  author = {{Microsoft}},\n  title = {Datacenter "
        "efficiency},\n  year = {2025},\n  url = {https://datacenters.microsoft.com/"
        "sustainability/efficiency/}\n}\n"
        "@misc{aws_sustainability,\n  author = {{Amazon}},\n  title = {{AWS} Cloud: "
        "sustainability},\n  year = {2025},\n  url = {https://sustainability.aboutamazon.com/"
        "products-services/aws-cloud}\n}\n"
        "@misc{uptime_survey,\n  author = {{Uptime Institute}},\n  title = {Global Data Center "
        "Survey},\n  year = {2023},\n  url = {https://uptimeinstitute.com}\n}",
    ),
}

# ---------------------------------------------------------------------------
# Per-fuel factor sets (canonical fuel names, see fairwatt.footprint_models.fuelmix)
# ---------------------------------------------------------------------------

GAL = units.GAL_PER_MWH_TO_L_PER_KWH  # gal/MWh -> L/kWh

# Macknick et al. (2012) Table 1 medians chosen to represent each fuel of a national
# generation mix (consumption, gal/MWh). The technology/cooling picked for each fuel:
MACKNICK_REPRESENTATIVE: dict[str, tuple[str, str, str]] = {
    # canonical fuel: (fuel, technology, cooling) row of the Macknick table
    "coal": ("coal", "generic", "tower"),
    "gas": ("natural gas", "combined cycle", "tower"),
    "nuclear": ("nuclear", "generic", "tower"),
    "oil": ("natural gas", "steam", "tower"),  # oil-fired steam plants: NG steam proxy
    "biomass": ("biopower", "steam", "tower"),
    "geothermal": ("geothermal", "flash", "tower"),
    "solar": ("solar pv", "utility scale", "n/a"),
    "wind": ("wind", "turbine", "n/a"),
    "hydro": ("hydropower", "in-stream and reservoir", "n/a"),
}

# OWID fuel columns -> canonical fuel
OWID_FUELS: dict[str, str] = {
    "coal_TWh": "coal",
    "gas_TWh": "gas",
    "nuclear_TWh": "nuclear",
    "oil_TWh": "oil",
    "biofuel_TWh": "biomass",
    "other_renewable_exc_biofuel_TWh": "geothermal",
    "hydroelectricity_TWh": "hydro",
    "solar_TWh": "solar",
    "wind_TWh": "wind",
}

# CER (Canada) fuel keys -> canonical fuel
CANADA_FUELS: dict[str, str] = {
    "naturalGas": "gas",
    "nuclear": "nuclear",
    "petroleum": "oil",
    "biomass": "biomass",
    "coal": "coal",
    "other": "other",
    "solar": "solar",
    "tidal": "tidal",
    "wind": "wind",
    "hydro": "hydro",
}
CANADA_PROVINCES: dict[str, str] = {
    "british columbia": "CA-BC",
    "newfoundland and labrador": "CA-NL",
    "saskatchewan": "CA-SK",
    "prince edward island": "CA-PE",
    "ontario": "CA-ON",
    "nova scotia": "CA-NS",
    "quebec": "CA-QC",
    "alberta": "CA-AB",
    "manitoba": "CA-MB",
    "northwest territories": "CA-NT",
    "new brunswick": "CA-NB",
    "nunavut": "CA-NU",
    "yukon": "CA-YT",
}

# Making AI Less Thirsty, Table 1: location, zone, PUE, WUE [L/kWh],
# EWIF [L/kWh]. Facts from the paper (arXiv:2304.03271v1-v4, Table 1).
THIRSTY_TABLE1: list[tuple[str, str, float, float, float]] = [
    ("U.S. average", "US", 1.170, 0.550, 3.142),
    ("Arizona", "US-AZ", 1.180, 1.630, 4.959),
    ("Georgia", "US-GA", 1.120, 0.060, 2.309),
    ("Illinois", "US-IL", 1.350, 0.740, 2.233),
    ("Iowa", "US-IA", 1.160, 0.140, 3.104),
    ("Texas", "US-TX", 1.280, 0.250, 1.287),
    ("Virginia", "US-VA", 1.140, 0.140, 2.385),
    ("Washington", "US-WA", 1.150, 0.950, 9.501),
    ("Wyoming", "US-WY", 1.110, 0.130, 2.574),
    ("Ireland", "IE", 1.190, 0.020, 1.476),
    ("Netherlands", "NL", 1.140, 0.060, 3.445),
    ("Sweden", "SE", 1.160, 0.090, 6.019),
]

# The Unpaid Toll: average-attribution health price [$/MWh] per data-center
# location (derived from Table 4) and the U.S. 2023 average (Table 1: $6.67 bn over
# 176.39 TWh). Zone keys sit under their state so that resolution can walk up.
UNPAID_TOLL: list[tuple[str, str, float]] = [
    ("US", "United States, 2023 average (6.67 bn USD / 176.39 TWh)", 37.81),
    ("US-AL-HUNTSVILLE", "Huntsville, AL", 23.6),
    ("US-GA-STANTON_SPRINGS", "Stanton Springs, GA", 28.6),
    ("US-IL-DEKALB", "DeKalb, IL", 64.6),
    ("US-IA-ALTOONA", "Altoona, IA", 84.48),
    ("US-NE-SARPY", "Sarpy County, NE", 51.8),
    ("US-NM-LOS_LUNAS", "Los Lunas, NM", 24.6),
    ("US-NC-FOREST_CITY", "Forest City, NC", 36.0),
    ("US-OH-NEW_ALBANY", "New Albany, OH", 54.2),
    ("US-OR-PRINEVILLE", "Prineville, OR", 7.74),
    ("US-TN-GALLATIN", "Gallatin, TN", 10.8),
    ("US-TX-FORT_WORTH", "Fort Worth, TX", 17.2),
    ("US-UT-EAGLE_MOUNTAIN", "Eagle Mountain, UT", 8.1),
    ("US-VA-HENRICO", "Henrico, VA", 54.2),
]

EGLB_SITES: dict[str, tuple[str, str]] = {
    # file stem: (zone, label)
    "Texas": ("US-TX", "Texas"),
    "Virginia": ("US-VA", "Virginia"),
    "Georgia": ("US-GA", "Georgia"),
    "Nevada": ("US-NV", "Nevada"),
    "Germany": ("DE", "Germany"),
    "Belguim": ("BE", "Belgium"),  # upstream spelling of the file name
    "Netherlands": ("NL", "Netherlands"),
    "Denmark": ("DK", "Denmark"),
    "Japan": ("JP", "Japan"),
    "Singapore": ("SG", "Singapore"),
}

# Plausibility ranges of canonical columns: the ones user factor files are held to.
RANGES: dict[str, tuple[float, float]] = PLAUSIBLE_RANGES


# ---------------------------------------------------------------------------
# Dataset container and helpers
# ---------------------------------------------------------------------------


@dataclass
class Built:
    name: str
    file: str
    frame: pd.DataFrame
    title: str
    sources: list[str]
    year: int | list[int]
    licence: str
    attribution: str
    kind: str
    role: str
    columns: dict[str, str]
    resolution: str = "static"
    caveats: str = ""
    coverage: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def _title(name: str) -> str:
    return " ".join(w if w in ("and", "of") else w.capitalize() for w in name.split())


def _read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _zone_year_sort(df: pd.DataFrame) -> pd.DataFrame:
    keys = [c for c in ("zone", "year", "month", "timestamp", "fuel", "site") if c in df.columns]
    return df.sort_values(keys, kind="stable").reset_index(drop=True)


def _mix_intensity(shares: Mapping[str, float], factors: Mapping[str, float]) -> float:
    """Generation-weighted mean of ``factors`` over a single mix (via the package model)."""
    from fairwatt.footprint_models.fuelmix import intensity_from_mix

    used = {k: v for k, v in shares.items() if v != 0}
    frame = pd.DataFrame([used])
    return float(intensity_from_mix(frame, factors).iloc[0])


def _check_ranges(b: Built) -> None:
    for col, (lo, hi) in RANGES.items():
        if col in b.frame.columns:
            s = pd.to_numeric(b.frame[col], errors="raise").dropna()
            bad = s[(s < lo) | (s > hi)]
            if len(bad):
                raise SystemExit(f"{b.name}: {col} out of [{lo}, {hi}] in rows {list(bad.index)}")


# ---------------------------------------------------------------------------
# Builders: one function per bundled dataset (or family of datasets)
# ---------------------------------------------------------------------------

ZONE_COL = "zone id: ISO 3166-1 alpha-2 country, ISO 3166-2 subdivision, bidding zone or site"
YEAR_COL = "data year"
CARBON_COL = "gCO2e/kWh"


def build_owid(raw: Path) -> list[Built]:
    """Country carbon intensity (OWID/Ember) and country EWIF from the same fuel mix."""
    mix = _read_json(raw / "codecarbon" / "global_energy_mix.json")
    carbon_rows = []
    shares: dict[str, dict[str, float]] = {}
    names: dict[str, tuple[str, int]] = {}
    for iso3, rec in mix.items():
        zone = ISO3_TO_ISO2[iso3]
        carbon_rows.append(
            {
                "zone": zone,
                "year": int(rec["year"]),
                "carbon_g_per_kwh": float(rec["carbon_intensity"]),
                "zone_name": rec["country_name"],
            }
        )
        shares[zone] = {OWID_FUELS[c]: float(rec[c]) for c in OWID_FUELS}
        names[zone] = (rec["country_name"], int(rec["year"]))
    carbon = _zone_year_sort(pd.DataFrame(carbon_rows))
    years = sorted({r["year"] for r in carbon_rows})
    out = [
        Built(
            name="country-carbon-owid",
            file="carbon/country_carbon_owid.csv",
            frame=carbon,
            title="Carbon intensity of electricity generation by country (Our World in Data / "
            "Ember), latest year per country",
            sources=["owid"],
            year=[years[0], years[-1]],
            licence="CC-BY-4.0",
            attribution="Our World in Data based on Ember and Energy Institute (CC BY 4.0); "
            "packaged by CodeCarbon (MIT)",
            kind="average, location-based, lifecycle (generation-based, no imports)",
            role="zone_factors",
            resolution="annual",
            columns={
                "zone": ZONE_COL,
                "year": YEAR_COL,
                "carbon_g_per_kwh": CARBON_COL,
                "zone_name": "country name (text)",
            },
            caveats="One year per country: 2023 for 78 countries, 2022 for 130, 2021 for 4 "
            "and 2009 for one (Western Sahara). Generation-based: imports are not counted.",
        )
    ]

    # EWIF: one factor set per variant, gal/MWh -> L/kWh
    ren = {
        "coal": 450.0,
        "gas": 300.0,
        "nuclear": 600.0,
        "oil": 350.0,
        "biomass": 475.0,
        "geothermal": 475.0,
        "hydro": 0.0,
        "solar": 0.0,
        "wind": 0.0,
    }
    mk_excl = macknick_representative(raw, include_hydro=False)
    mk_incl = macknick_representative(raw, include_hydro=True)
    derived = pd.read_csv(raw / "water" / "derived_country_ewif_from_owid_mix.csv").set_index(
        "iso_code"
    )
    variants = [
        (
            "country-ewif-macknick-incl-hydro",
            "water/country_ewif_macknick_incl_hydro.csv",
            mk_incl,
            "ewif_macknick_incl_hydro_l_per_kwh",
            "Macknick et al. (2012) medians, hydropower reservoir evaporation included "
            "(4491 gal/MWh)",
        ),
        (
            "country-ewif-macknick-excl-hydro",
            "water/country_ewif_macknick_excl_hydro.csv",
            mk_excl,
            "ewif_macknick_excl_hydro_l_per_kwh",
            "Macknick et al. (2012) medians, hydropower counted as 0",
        ),
        (
            "country-ewif-thirsty-code",
            "water/country_ewif_thirsty_code.csv",
            {k: v * GAL for k, v in ren.items()},
            "ewif_ren2023_l_per_kwh",
            "per-fuel factors of the Making-AI-Less-Thirsty code (hydro, wind, solar 0; "
            "biomass and other renewables as 'other', 475 gal/MWh)",
        ),
    ]
    iso2_to_iso3 = {v: k for k, v in ISO3_TO_ISO2.items()}
    for name, file, factors, check_col, label in variants:
        rows = []
        for zone, s in shares.items():
            value = _mix_intensity(s, factors)
            expected = float(derived.loc[iso2_to_iso3[zone], check_col])
            if not math.isclose(value, expected, abs_tol=1e-3):
                raise SystemExit(f"{name}: {zone} recomputed {value} != derived file {expected}")
            rows.append(
                {
                    "zone": zone,
                    "year": names[zone][1],
                    "ewif_l_per_kwh": round(value, 6),
                    "zone_name": names[zone][0],
                }
            )
        sources = ["owid", "thirsty"] if "thirsty" in name else ["owid", "macknick2012"]
        out.append(
            Built(
                name=name,
                file=file,
                frame=_zone_year_sort(pd.DataFrame(rows)),
                title="Off-site water (EWIF, consumption) by country from the OWID fuel mix × "
                + label,
                sources=sources,
                year=[years[0], years[-1]],
                licence="CC-BY-4.0",
                attribution="Fuel mix: Our World in Data based on Ember and Energy Institute "
                "(CC BY 4.0); per-fuel factors: "
                + ("Li et al. 2023 code (MIT)" if "thirsty" in name else "Macknick et al. 2012"),
                kind="consumption, average, generation-weighted",
                role="zone_factors",
                resolution="annual",
                columns={
                    "zone": ZONE_COL,
                    "year": "year of the fuel mix",
                    "ewif_l_per_kwh": "L/kWh (water consumed per kWh generated)",
                    "zone_name": "country name (text)",
                },
                caveats="Derived here: generation shares × per-fuel medians, not measured. "
                "Fuel mapping: biofuel → biopower steam tower (Macknick) / 'other' (code set); "
                "other renewables (mostly geothermal) → geothermal flash tower / 'other'; oil → "
                "natural-gas steam tower (Macknick has no oil row). Cooling technology is "
                "assumed (wet tower) rather than known per country. "
                + (
                    "Hydro reservoir evaporation is allocated entirely to power, so "
                    "hydro-heavy grids (NO, BR, CA-QC) get very high values."
                    if "incl" in name
                    else "Hydropower counts as 0 (reservoir evaporation excluded)."
                ),
            )
        )
    return out


def macknick_table(raw: Path) -> pd.DataFrame:
    df = pd.read_csv(
        raw / "water" / "macknick2012_operational_water_consumption.csv",
        keep_default_na=False,
        na_values=[""],
    )
    for col in ("fuel", "technology", "cooling"):
        df[col] = df[col].astype(str)
    return df


def macknick_representative(raw: Path, *, include_hydro: bool) -> dict[str, float]:
    """Per canonical fuel, the Macknick median (L/kWh) of its representative technology."""
    t = macknick_table(raw).set_index(["fuel", "technology", "cooling"])
    out = {}
    for fuel, key in MACKNICK_REPRESENTATIVE.items():
        gal = float(t.loc[key, "consumption_median_gal_per_mwh"])
        out[fuel] = gal * GAL
    if not include_hydro:
        out["hydro"] = 0.0
    return out


def build_ember2021(raw: Path) -> list[Built]:
    df = pd.read_csv(raw / "carbon" / "ember_2021_country_carbon_intensity.csv", dtype=str)
    df = df[df["country_code"].notna() & (df["country_code"] != "")]
    frame = pd.DataFrame(
        {
            "zone": [ISO3_TO_ISO2[c] for c in df["country_code"]],
            "year": df["year"].astype(int).to_numpy(),
            "carbon_g_per_kwh": df["emissions_intensity_gco2_per_kwh"].astype(float).to_numpy(),
            "zone_name": df["country_or_region"].to_numpy(),
        }
    )
    return [
        Built(
            name="country-carbon-ember2021",
            file="carbon/country_carbon_ember2021.csv",
            frame=_zone_year_sort(frame),
            title="Carbon intensity of electricity generation by country, 2021 (Ember)",
            sources=["ember2021"],
            year=2021,
            licence="CC-BY-4.0",
            attribution="Ember (CC BY 4.0), as vendored by The Green Web Foundation "
            "grid-intensity-go (Apache-2.0)",
            kind="average, location-based, lifecycle (generation-based)",
            role="zone_factors",
            resolution="annual",
            columns={
                "zone": ZONE_COL,
                "year": YEAR_COL,
                "carbon_g_per_kwh": CARBON_COL,
                "zone_name": "country name (text)",
            },
            caveats=f"Only the {len(frame)} countries with an ISO code in the file; regional "
            "aggregates (EU, World, ...) are dropped. Superseded by country-carbon-owid; kept "
            "for audits pinned to 2021.",
        )
    ]


def build_egrid(raw: Path) -> list[Built]:
    data = _read_json(raw / "codecarbon" / "usa_state_emissions_egrid2023.json")
    if data["_unit"]["emissions"] != "lbs/MWh":
        raise SystemExit("eGRID file: unexpected unit")
    rows = []
    for key, rec in data.items():
        if key.startswith("_"):
            continue
        code = rec["regionCode"]
        zone = "US" if code == "usa" else f"US-{code}"
        rows.append(
            {
                "zone": zone,
                "year": 2023,
                # lb/MWh -> kg/MWh == g/kWh
                "carbon_g_per_kwh": round(rec["emissions"] * units.LB_PER_MWH_TO_G_PER_KWH, 4),
                "zone_name": "United States" if code == "usa" else _title(key),
            }
        )
    return [
        Built(
            name="us-state-carbon-egrid2023",
            file="carbon/us_state_carbon_egrid2023.csv",
            frame=_zone_year_sort(pd.DataFrame(rows)),
            title="Carbon intensity of electricity generation by U.S. state, 2023 (EPA eGRID2023)",
            sources=["egrid2023"],
            year=2023,
            licence="public-domain (U.S. Government work)",
            attribution="U.S. EPA eGRID2023",
            kind="average, location-based, direct (combustion CO2e, total output rate)",
            role="zone_factors",
            resolution="annual",
            columns={
                "zone": ZONE_COL,
                "year": YEAR_COL,
                "carbon_g_per_kwh": "gCO2e/kWh (converted from lb/MWh × 0.45359237)",
                "zone_name": "state name (text)",
            },
            caveats="Production-based state rates: electricity traded across state lines is "
            "not accounted for. Direct combustion emissions (no lifecycle upstream), unlike "
            "the lifecycle country values.",
        )
    ]


#: EIA energy source -> canonical fuel of the IPCC lifecycle set; ``None``: left out
#: (pumped storage shifts generation rather than producing it; Total is the row sum)
EIA_STATE_FUELS: dict[str, str | None] = {
    "Coal": "coal",
    "Natural Gas": "gas",
    "Other Gases": "gas",
    "Petroleum": "oil",
    "Nuclear": "nuclear",
    "Hydroelectric Conventional": "hydro",
    "Wind": "wind",
    "Solar Thermal and Photovoltaic": "solar",
    "Geothermal": "geothermal",
    "Wood and Wood Derived Fuels": "biomass",
    "Other Biomass": "biomass",
    "Other": "other",
    "Pumped Storage": None,
    "Total": None,
}

EIA_GENERATION_FILE = "reference/us_state_generation_eia2022.csv"

#: the EIA spreadsheet given with ``--eia-generation`` (``None``: the bundled extract)
EIA_SPREADSHEET: list[Path | None] = [None]


def read_eia_state_generation(path: Path | None, year: int = 2022) -> pd.DataFrame:
    """EIA's state generation by energy source for ``year``, Total Electric Power Industry.

    ``path``: the EIA spreadsheet (``annual_generation_state.xls[x]``, needs openpyxl for
    .xlsx) or a CSV with its columns; ``None`` re-reads the extract bundled by a previous
    build (the same rows, unchanged)."""
    if path is None:
        bundled = REPO / "src" / "fairwatt" / "datasets" / "data" / EIA_GENERATION_FILE
        return pd.read_csv(bundled, keep_default_na=False)
    df = pd.read_csv(path) if path.suffix == ".csv" else pd.read_excel(path)
    df.columns = [str(c).strip() for c in df.columns]
    df = df[(df["YEAR"] == year) & (df["TYPE OF PRODUCER"] == "Total Electric Power Industry")]
    state = df["STATE"].astype(str).str.strip().str.upper()
    out = pd.DataFrame(
        {
            "zone": ["US" if s == "US-TOTAL" else f"US-{s}" for s in state],
            "year": year,
            "energy_source": df["ENERGY SOURCE"].astype(str).str.strip().to_numpy(),
            "generation_mwh": pd.to_numeric(df["GENERATION(Megawatthours)"])
            .round()
            .astype("int64")
            .to_numpy(),
        }
    )
    unknown = set(out["energy_source"]) - set(EIA_STATE_FUELS)
    if unknown:
        raise SystemExit(f"EIA state generation: unmapped energy sources {sorted(unknown)}")
    return out.sort_values(["zone", "energy_source"], kind="stable").reset_index(drop=True)


def us_state_lifecycle(gen: pd.DataFrame, factors: Mapping[str, float]) -> pd.DataFrame:
    """Lifecycle intensity per state: generation by fuel (negative net generation counted
    as 0, pumped storage left out, EIA 'Other' given the state's known-fuel mean) × the
    per-fuel lifecycle factors, divided by the generation of the fuels weighted."""
    rows = []
    for zone, g in gen.groupby("zone", sort=True):
        by_fuel: dict[str, float] = {}
        for src, mwh in zip(g["energy_source"], g["generation_mwh"], strict=True):
            fuel = EIA_STATE_FUELS[src]
            if fuel is not None:
                by_fuel[fuel] = by_fuel.get(fuel, 0.0) + max(float(mwh), 0.0)
        total = float(g.loc[g["energy_source"] == "Total", "generation_mwh"].sum())
        parts = float(g.loc[g["energy_source"] != "Total", "generation_mwh"].sum())
        if abs(parts - total) > 1e-6 * abs(total) + 10:
            raise SystemExit(f"EIA {zone}: energy sources sum to {parts}, Total is {total}")
        known = {f: v for f, v in by_fuel.items() if f != "other"}
        weight = sum(known.values())
        rows.append(
            {
                "zone": zone,
                "year": int(g["year"].iloc[0]),
                "carbon_g_per_kwh": round(
                    sum(v * factors[f] for f, v in known.items()) / weight, 4
                ),
                "other_share": round(
                    by_fuel.get("other", 0.0) / (weight + by_fuel.get("other", 0.0)), 6
                ),
            }
        )
    return pd.DataFrame(rows)


def build_us_state_lifecycle(raw: Path, eia: Path | None) -> list[Built]:
    """EIA state generation (bundled as a reference table) and the lifecycle intensities
    derived from it with the IPCC AR5 medians."""
    gen = read_eia_state_generation(eia)
    lifecycle = ipcc_sets(raw)[0]
    carbon = us_state_lifecycle(gen, lifecycle)
    egrid = _read_json(raw / "codecarbon" / "usa_state_emissions_egrid2023.json")
    names = {
        ("US" if r["regionCode"] == "usa" else f"US-{r['regionCode']}"): (
            "United States" if r["regionCode"] == "usa" else _title(k)
        )
        for k, r in egrid.items()
        if not k.startswith("_")
    }
    carbon["zone_name"] = [names[z] for z in carbon["zone"]]
    carbon = carbon[["zone", "year", "carbon_g_per_kwh", "zone_name"]]
    mapping = "; ".join(
        f"{k} -> {v}" for k, v in EIA_STATE_FUELS.items() if v is not None and k != v
    )
    return [
        Built(
            name="us-state-generation-eia2022",
            file=EIA_GENERATION_FILE,
            frame=gen,
            title="Net generation by U.S. state and energy source, 2022 (EIA, all producers)",
            sources=["eia_state_generation"],
            year=2022,
            licence="public-domain (U.S. Government work)",
            attribution="U.S. Energy Information Administration",
            kind="reference (annual net generation by energy source, as published)",
            role="reference",
            columns={
                "zone": "U.S. state US-XX, or US for the national total",
                "year": YEAR_COL,
                "energy_source": "EIA energy source (text, as published; Total is the sum)",
                "generation_mwh": "MWh (net generation; negative where a source is a net "
                "consumer, e.g. pumped storage)",
            },
            caveats="Total Electric Power Industry rows of year 2022 only, values unchanged. "
            "Utility-scale plants (1 MW and more); small-scale solar is not included.",
        ),
        Built(
            name="us-state-carbon-eia-ipcc2014",
            file="carbon/us_state_carbon_eia_ipcc2014.csv",
            frame=_zone_year_sort(carbon),
            title="Lifecycle carbon intensity by U.S. state, 2022: EIA generation mix × IPCC AR5 "
            "lifecycle medians (fuel-carbon-ipcc2014-lifecycle)",
            sources=["eia_state_generation", "ipcc2014"],
            year=2022,
            licence="public-domain (U.S. Government work); factors: facts from IPCC AR5",
            attribution="U.S. Energy Information Administration (state generation by energy "
            "source); per-fuel factors IPCC AR5 WG3 Annex III (2014)",
            kind="average, location-based, lifecycle (derived from fuel mix)",
            role="zone_factors",
            resolution="annual",
            columns={
                "zone": ZONE_COL,
                "year": YEAR_COL,
                "carbon_g_per_kwh": CARBON_COL,
                "zone_name": "state name (text)",
            },
            caveats="Derived here: sum over fuels of net generation × IPCC AR5 lifecycle "
            "median, divided by the generation weighted. Fuel mapping: "
            + mapping
            + " (known-fuel mean of the state; EIA 'Other' is non-biogenic waste, tyres, "
            "purchased steam and the like). Pumped storage is left out and negative net "
            "generation counts as 0. Generation-based: trade between states is not counted. "
            "Data year 2022, one year before the eGRID2023 direct rates.",
        ),
    ]


def build_canada(raw: Path) -> list[Built]:
    mix = _read_json(raw / "codecarbon" / "canada_province_energy_mix_2023.json")
    lifecycle = ipcc_sets(raw)[0]
    carbon_factors = {
        "gas": lifecycle["gas"],
        "oil": lifecycle["oil"],
        "biomass": lifecycle["biomass"],
        "coal": lifecycle["coal"],
        "nuclear": lifecycle["nuclear"],
        "hydro": lifecycle["hydro"],
        "wind": lifecycle["wind"],
        "solar": lifecycle["solar"],
        "other": lifecycle["unknown"],
        "tidal": lifecycle["hydro"],
    }
    mk = {
        True: macknick_representative(raw, include_hydro=True),
        False: macknick_representative(raw, include_hydro=False),
    }
    carbon_rows, ewif_rows = [], {True: [], False: []}
    for province, rec in mix.items():
        zone = CANADA_PROVINCES[province]
        shares = {CANADA_FUELS[k]: float(v) for k, v in rec.items() if k != "total"}
        carbon_rows.append(
            {
                "zone": zone,
                "year": 2023,
                "carbon_g_per_kwh": round(_mix_intensity(shares, carbon_factors), 4),
                "zone_name": _title(province),
            }
        )
        for incl in (True, False):
            factors = dict(mk[incl])
            # tidal and 'other' have no Macknick row; they are 0 % in every province.
            if any(shares.get(f, 0.0) for f in ("tidal", "other")):
                raise SystemExit(f"Canada {province}: tidal/other share needs a water factor")
            ewif_rows[incl].append(
                {
                    "zone": zone,
                    "year": 2023,
                    "ewif_l_per_kwh": round(_mix_intensity(shares, factors), 6),
                    "zone_name": _title(province),
                }
            )
    common = {
        "sources": ["cer_canada"],
        "year": 2023,
        "role": "zone_factors",
        "resolution": "annual",
    }
    mix_caveat = (
        "Generation shares of 2023 in percent as published (rounded to 0.1 %); "
        "generation-based, inter-provincial and U.S. trade not counted."
    )
    out = [
        Built(
            name="ca-province-carbon-ipcc2014",
            file="carbon/ca_province_carbon_ipcc2014.csv",
            frame=_zone_year_sort(pd.DataFrame(carbon_rows)),
            title="Carbon intensity by Canadian province/territory, 2023: CER generation mix × "
            "IPCC AR5 lifecycle medians (fuel-carbon-ipcc2014-lifecycle)",
            licence="MIT (CodeCarbon packaging of Canada Energy Regulator data); factors: facts "
            "from IPCC AR5",
            attribution="Canada Energy Regulator provincial energy profiles via CodeCarbon "
            "(MIT); per-fuel factors IPCC AR5 WG3 Annex III (2014)",
            kind="average, location-based, lifecycle (derived from fuel mix)",
            columns={
                "zone": ZONE_COL,
                "year": YEAR_COL,
                "carbon_g_per_kwh": CARBON_COL,
                "zone_name": "province or territory (text)",
            },
            caveats=mix_caveat + " Per-fuel set: IPCC 2014 lifecycle medians (coal 820, gas "
            "490, oil 650, biomass 230, hydro 24, nuclear 12, solar 45, wind 11 g/kWh), the "
            "lifecycle basis of the country dataset.",
            **common,
        )
    ]
    out[0].sources = ["cer_canada", "ipcc2014"]
    for incl in (True, False):
        tag = "incl" if incl else "excl"
        out.append(
            Built(
                name=f"ca-province-ewif-macknick-{tag}-hydro",
                file=f"water/ca_province_ewif_macknick_{tag}_hydro.csv",
                frame=_zone_year_sort(pd.DataFrame(ewif_rows[incl])),
                title="Off-site water (EWIF, consumption) by Canadian province/territory, 2023: "
                f"CER generation mix × Macknick et al. (2012) medians, hydro {tag}uded",
                licence="MIT (CodeCarbon packaging of Canada Energy Regulator data); factors: "
                "facts from Macknick et al. 2012",
                attribution="Canada Energy Regulator via CodeCarbon (MIT); Macknick et al. 2012",
                kind="consumption, average, generation-weighted",
                columns={
                    "zone": ZONE_COL,
                    "year": YEAR_COL,
                    "ewif_l_per_kwh": "L/kWh",
                    "zone_name": "province or territory (text)",
                },
                caveats=mix_caveat + " Same fuel mapping as the country EWIF datasets.",
                **{**common, "sources": ["cer_canada", "macknick2012"]},
            )
        )
    return out


def build_china(raw: Path) -> list[Built]:
    data = _read_json(raw / "codecarbon" / "china_provincial_emissions_2023.json")
    rows = []
    for key, rec in data["data"].items():
        if rec["unit"] != "gCO2/kWh" or rec["year"] != 2023:
            raise SystemExit(f"China {key}: unexpected unit/year")
        rows.append(
            {
                "zone": key,
                "year": 2023,
                "carbon_g_per_kwh": float(rec["emission_factor"]),
                "zone_name": rec["description"],
            }
        )
    return [
        Built(
            name="cn-province-carbon-mee2023",
            file="carbon/cn_province_carbon_mee2023.csv",
            frame=_zone_year_sort(pd.DataFrame(rows)),
            title="Average electricity CO2 emission factor by Chinese province, 2023 (MEE/NBS "
            "Announcement 2025 No. 47)",
            sources=["mee2023"],
            year=2023,
            licence="official government publication (facts); packaged by CodeCarbon (MIT)",
            attribution="Ministry of Ecology and Environment and National Bureau of Statistics "
            "of China, Announcement 2025 No. 47",
            kind="average, location-based, direct CO2 only, consumption-based (inter-provincial "
            "transfers accounted for)",
            role="zone_factors",
            resolution="annual",
            columns={
                "zone": ZONE_COL,
                "year": YEAR_COL,
                "carbon_g_per_kwh": "gCO2/kWh (CO2 only, not CO2e)",
                "zone_name": "province (text)",
            },
            caveats="CO2 only and direct, so lower than a lifecycle CO2e figure. Tibet, Hong "
            "Kong, Macao and Taiwan are not in the official table.",
        )
    ]


def build_nordic(raw: Path) -> list[Built]:
    data = _read_json(raw / "codecarbon" / "nordic_emissions.json")
    rows = []
    for key, rec in data["data"].items():
        zone = key if len(key) == 2 else f"{key[:2]}-{key}"
        rows.append(
            {
                "zone": zone,
                "year": int(rec["year"]),
                "carbon_g_per_kwh": float(rec["emission_factor"]),
                "zone_name": rec["description"],
            }
        )
    return [
        Built(
            name="nordic-zone-carbon-2025",
            file="carbon/nordic_zone_carbon_2025.csv",
            frame=_zone_year_sort(pd.DataFrame(rows)),
            title="Carbon intensity by Nordic bidding zone (SE1-SE4, NO1-NO5) and Finland, 2025",
            sources=["nordic"],
            year=2025,
            licence="MIT (CodeCarbon); underlying data ENTSO-E Transparency Platform",
            attribution="CodeCarbon (MIT), derived from ENTSO-E Transparency Platform A75 data",
            kind="average, location-based, lifecycle, production-based (derived from fuel mix)",
            role="zone_factors",
            resolution="annual",
            columns={
                "zone": ZONE_COL,
                "year": YEAR_COL,
                "carbon_g_per_kwh": "gCO2e/kWh",
                "zone_name": "bidding zone (text)",
            },
            caveats="Derived by a third party with CodeCarbon's per-fuel set "
            "(fuel-carbon-codecarbon); production types without a factor (ENTSO-E 'Other', "
            "waste, biomass) count as 0, so zones with low coverage (SE4: 85 %) are lower "
            "bounds. The FI row is a prior value, not from 2025 data.",
        )
    ]


def build_google(raw: Path) -> list[Built]:
    frames = []
    for path in sorted((raw / "google_region_carbon").glob("*.csv")):
        year = int(path.stem)
        df = pd.read_csv(path)
        ci_col = [c for c in df.columns if "carbon intensity" in c.lower()]
        if len(ci_col) != 1:
            raise SystemExit(f"{path}: no carbon intensity column")
        frames.append(
            pd.DataFrame(
                {
                    "zone": "gcp:" + df["Google Cloud Region"].astype(str).str.strip(),
                    "year": year,
                    "carbon_g_per_kwh": df[ci_col[0]].astype(float),
                    "google_cfe_share": df["Google CFE"].astype(float),
                    "zone_name": df["Location"].astype(str),
                }
            )
        )
    frame = _zone_year_sort(pd.concat(frames, ignore_index=True))
    return [
        Built(
            name="gcp-region-carbon-google",
            file="carbon/gcp_region_carbon_google.csv",
            frame=frame,
            title="Grid carbon intensity and Google CFE share per Google Cloud region, 2019-2024",
            sources=["google"],
            year=[int(frame["year"].min()), int(frame["year"].max())],
            licence="Apache-2.0",
            attribution="Google Cloud region-carbon-info (Apache-2.0)",
            kind="average, location-based (grid, not Google's market-based); 2019-2020 "
            "lifecycle, later years operational as labelled by Google",
            role="zone_factors",
            resolution="annual",
            columns={
                "zone": "site id gcp:<region>",
                "year": YEAR_COL,
                "carbon_g_per_kwh": "gCO2e/kWh (grid average of the region's location)",
                "google_cfe_share": "Google hourly carbon-free energy share, 0-1 (empty where "
                "Google did not publish one)",
                "zone_name": "location as given by Google (text)",
            },
            caveats="Keys are site ids, so a pinned run uses Google's value for GCP sites "
            "only. Basis changed in 2021 (lifecycle -> operational). Not in the defaults, to "
            "keep one methodology across providers.",
        )
    ]


AZURE_IDS: dict[str, str] = {
    "Central US": "centralus",
    "East US": "eastus",
    "East US 2": "eastus2",
    "East US 3": "eastus3",
    "North Central US": "northcentralus",
    "South Central US": "southcentralus",
    "West Central US": "westcentralus",
    "West US": "westus",
    "West US 2": "westus2",
    "West US 3": "westus3",
    "East Asia": "eastasia",
    "Southeast Asia": "southeastasia",
    "North Europe": "northeurope",
    "West Europe": "westeurope",
    "Central India": "centralindia",
    "South India": "southindia",
    "West India": "westindia",
    "UK South": "uksouth",
    "UK West": "ukwest",
    "France Central": "francecentral",
    "Finland Central": "finlandcentral",
    "Germany West Central": "germanywestcentral",
    "Belgium Central": "belgiumcentral",
    "Sweden Central": "swedencentral",
}


def build_ccf(raw: Path) -> list[Built]:
    df = pd.read_csv(raw / "carbon" / "ccf_cloud_region_grid_factors.csv", dtype=str)
    rows = []
    for rec in df.to_dict("records"):
        if rec["region"] == "unknown":
            continue  # CCF's average-of-regions default: not a place
        if rec["provider"] == "aws":
            zone = f"aws:{rec['region']}"
        else:
            zone = f"azure:{AZURE_IDS[rec['region']]}"
        rows.append(
            {
                "zone": zone,
                "year": 2021,
                "carbon_g_per_kwh": float(rec["gco2e_per_kwh"]),
                "zone_name": rec["location"],
                "factor_source": rec["factor_source"]
                if isinstance(rec["factor_source"], str)
                else "",
            }
        )
    return [
        Built(
            name="cloud-region-carbon-ccf",
            file="carbon/cloud_region_carbon_ccf.csv",
            frame=_zone_year_sort(pd.DataFrame(rows)),
            title="Grid emission factors per AWS and Azure region (Cloud Carbon Footprint "
            "coefficients)",
            sources=["ccf"],
            year=[2019, 2021],
            licence="Apache-2.0",
            attribution="Cloud Carbon Footprint (Apache-2.0)",
            kind="average, location-based (mixed sources: eGRID NERC regions for the US, "
            "national factors elsewhere)",
            role="zone_factors",
            resolution="annual",
            columns={
                "zone": "site id aws:<region> / azure:<region>",
                "year": "nominal year (the coefficients date from about 2019-2021)",
                "carbon_g_per_kwh": "gCO2e/kWh (published as tCO2e/kWh)",
                "zone_name": "location (text)",
                "factor_source": "source named by CCF for the factor (text)",
            },
            caveats="Old factors (about 2019-2021) of mixed provenance; US regions share "
            "NERC-region averages (e.g. every WECC region gets 350.861). Kept for comparison "
            "with CCF reports; not in the defaults.",
        )
    ]


EMAPS_TO_FUEL: dict[str, str] = {
    "biomass": "biomass",
    "coal": "coal",
    "gas": "gas",
    "geothermal": "geothermal",
    "hydro": "hydro",
    "nuclear": "nuclear",
    "oil": "oil",
    "solar": "solar",
    "wind": "wind",
    "unknown": "unknown",
    "battery discharge": "battery_discharge",
    "hydro discharge": "hydro_discharge",
    "battery charge": "battery_charge",
    "hydro charge": "hydro_charge",
}


def ipcc_sets(raw: Path) -> tuple[dict[str, float], dict[str, float], pd.DataFrame]:
    """(lifecycle, direct, table) per canonical fuel from the Electricity Maps defaults."""
    df = pd.read_csv(raw / "carbon" / "electricitymaps_default_emission_factors.csv")
    df["fuel"] = [EMAPS_TO_FUEL[m] for m in df["mode"]]
    lifecycle = dict(zip(df["fuel"], df["lifecycle_gco2eq_per_kwh"].astype(float), strict=True))
    direct = dict(zip(df["fuel"], df["direct_gco2eq_per_kwh"].astype(float), strict=True))
    return lifecycle, direct, df


FUEL_COLUMNS_NOTE = (
    "canonical fuel (coal, gas, oil, nuclear, hydro, wind, solar, biomass, geothermal, "
    "other, unknown, or a set-specific name)"
)


def build_fuel_sets(raw: Path) -> list[Built]:
    out: list[Built] = []
    _, _, em = ipcc_sets(raw)
    for kind_key, col, src_col, label, kind in (
        (
            "lifecycle",
            "lifecycle_gco2eq_per_kwh",
            "lifecycle_source",
            "IPCC AR5 (2014) lifecycle medians",
            "lifecycle",
        ),
        (
            "direct",
            "direct_gco2eq_per_kwh",
            "direct_source",
            "direct (combustion) factors, IPCC 2014 / BEIS 2021 / EIA 2020",
            "direct (operational)",
        ),
    ):
        frame = pd.DataFrame(
            {
                "fuel": em["fuel"],
                "carbon_g_per_kwh": em[col].astype(float),
                "source_fuel": em["mode"],
                "factor_source": em[src_col],
            }
        )
        out.append(
            Built(
                name=f"fuel-carbon-ipcc2014-{kind_key}",
                file=f"fuel/fuel_carbon_ipcc2014_{kind_key}.csv",
                frame=frame.sort_values("fuel").reset_index(drop=True),
                title=f"Per-fuel carbon factors: {label} (as compiled by Electricity Maps)",
                sources=["ipcc2014"],
                year=2014,
                licence="facts from IPCC AR5 and government sources (numbers only; the "
                "compiling repository's code licence does not apply)",
                attribution="IPCC AR5 WG3 Annex III (2014); Electricity Maps defaults",
                kind=kind,
                role="fuel_factors",
                columns={
                    "fuel": FUEL_COLUMNS_NOTE,
                    "carbon_g_per_kwh": "gCO2e/kWh",
                    "source_fuel": "fuel name in the source (text)",
                    "factor_source": "origin of the value (text)",
                },
                caveats="Storage discharge rows carry Electricity Maps' 2021 all-zone mean "
                "(a fallback, not a fuel property); storage charge rows are 0 by convention.",
            )
        )

    cc = _read_json(raw / "codecarbon" / "carbon_intensity_per_source.json")
    cc_map = {
        "coal": "coal",
        "petroleum": "oil",
        "natural_gas": "gas",
        "geothermal": "geothermal",
        "hydroelectricity": "hydro",
        "nuclear": "nuclear",
        "solar": "solar",
        "wind": "wind",
        "biomass": "biomass",
        "fossil": "fossil",
        "world_average": "unknown",
    }
    frame = pd.DataFrame(
        {
            "fuel": list(cc_map.values()),
            "carbon_g_per_kwh": [float(cc[k]) for k in cc_map],
            "source_fuel": list(cc_map),
            "factor_source": [str(cc.get(f"{k}_source", "")) for k in cc_map],
        }
    )
    out.append(
        Built(
            name="fuel-carbon-codecarbon",
            file="fuel/fuel_carbon_codecarbon.csv",
            frame=frame.sort_values("fuel").reset_index(drop=True),
            title="Per-fuel carbon factors compiled by CodeCarbon (WNA 2011 lifecycle, IPCC AR5)",
            sources=["codecarbon_fuel"],
            year=[2011, 2019],
            licence="MIT (CodeCarbon)",
            attribution="CodeCarbon contributors (MIT)",
            kind="lifecycle (mixed compilation)",
            role="fuel_factors",
            columns={
                "fuel": FUEL_COLUMNS_NOTE + "; 'fossil' = eGRID fossil average; 'unknown' = "
                "IEA 2019 world average",
                "carbon_g_per_kwh": "gCO2e/kWh",
                "source_fuel": "key in the source file (text)",
                "factor_source": "URL or note given by the source (text)",
            },
            caveats="Fossil values (coal 995, gas 743) are far above IPCC medians (820, 490): "
            "they come from a different compilation (energy-usage).",
        )
    )

    neso = _read_json(raw / "carbon" / "uk_neso_intensity_factors.json")["data"][0]
    neso_map = {
        "Biomass": "biomass",
        "Coal": "coal",
        "Dutch Imports": "imports_nl",
        "French Imports": "imports_fr",
        "Gas (Combined Cycle)": "gas_cc",
        "Gas (Open Cycle)": "gas_oc",
        "Hydro": "hydro",
        "Irish Imports": "imports_ie",
        "Nuclear": "nuclear",
        "Oil": "oil",
        "Other": "other",
        "Pumped Storage": "pumped_storage",
        "Solar": "solar",
        "Wind": "wind",
    }
    frame = pd.DataFrame(
        {
            "fuel": [neso_map[k] for k in neso],
            "carbon_g_per_kwh": [float(v) for v in neso.values()],
            "source_fuel": list(neso),
        }
    )
    out.append(
        Built(
            name="fuel-carbon-uk-neso",
            file="fuel/fuel_carbon_uk_neso.csv",
            frame=frame.sort_values("fuel").reset_index(drop=True),
            title="Per-fuel operational carbon factors of the GB Carbon Intensity API (NESO)",
            sources=["neso"],
            year=2024,
            licence="CC-BY-4.0",
            attribution="National Energy System Operator, Carbon Intensity API (CC BY 4.0)",
            kind="direct (operational, combustion only)",
            role="fuel_factors",
            columns={
                "fuel": FUEL_COLUMNS_NOTE + "; gas_cc / gas_oc = combined / open cycle; "
                "imports_fr / imports_nl / imports_ie = interconnector imports",
                "carbon_g_per_kwh": "gCO2/kWh",
                "source_fuel": "fuel name in the API (text)",
            },
            caveats="Operational factors: nuclear, hydro, wind and solar are 0, so results "
            "are not comparable with lifecycle sets.",
        )
    )

    code = pd.read_csv(raw / "water" / "ewif_by_eia930_fuel_ren2023.csv")
    frame = pd.DataFrame(
        {
            "fuel": [
                {
                    "COL": "coal",
                    "NG": "gas",
                    "NUC": "nuclear",
                    "OIL": "oil",
                    "OTH": "other",
                    "SUN": "solar",
                    "WAT": "hydro",
                    "WND": "wind",
                }[c]
                for c in code["eia930_fueltype"]
            ],
            "eia930_code": code["eia930_fueltype"],
            "carbon_g_per_kwh": code["carbon_kg_per_kwh_same_source"].astype(float)
            * units.G_PER_KG,
            "ewif_l_per_kwh": (code["ewif_gal_per_mwh"].astype(float) * GAL).round(6),
            "ewif_gal_per_mwh": code["ewif_gal_per_mwh"].astype(float),
        }
    )
    out.append(
        Built(
            name="fuel-factors-thirsty-code",
            file="fuel/fuel_factors_thirsty_code.csv",
            frame=frame.sort_values("fuel").reset_index(drop=True),
            title="Per-fuel carbon and EWIF factors of the Making-AI-Less-Thirsty code "
            "(EIA-930 fuel codes)",
            sources=["thirsty"],
            year=2023,
            licence="MIT (Ren-Research/Making-AI-Less-Thirsty)",
            attribution="Li, Yang, Islam, Ren (2023), official code, MIT licence, "
            "Copyright (c) 2023 Ren-Research",
            kind="EWIF consumption; carbon lifecycle",
            role="fuel_factors",
            columns={
                "fuel": FUEL_COLUMNS_NOTE,
                "eia930_code": "EIA-930 fuel type code",
                "carbon_g_per_kwh": "gCO2e/kWh (published as kg/kWh)",
                "ewif_l_per_kwh": "L/kWh (1 gal/MWh = 0.003785411784 L/kWh)",
                "ewif_gal_per_mwh": "gal/MWh as published",
            },
            caveats="Hydro, wind and solar water are 0 (reservoir evaporation excluded). "
            "Carbon values follow 'It's not easy being green' (SIGCOMM 2012) as cited in "
            "the code.",
        )
    )

    table = macknick_table(raw)
    for incl in (True, False):
        rep = macknick_representative(raw, include_hydro=incl)
        rows = []
        for fuel, key in MACKNICK_REPRESENTATIVE.items():
            gal = float(
                table.loc[
                    (table["fuel"] == key[0])
                    & (table["technology"] == key[1])
                    & (table["cooling"] == key[2]),
                    "consumption_median_gal_per_mwh",
                ].iloc[0]
            )
            if fuel == "hydro" and not incl:
                gal = 0.0
            rows.append(
                {
                    "fuel": fuel,
                    "ewif_l_per_kwh": round(rep[fuel], 6),
                    "ewif_gal_per_mwh": gal,
                    "macknick_row": " / ".join(key),
                }
            )
        tag = "incl" if incl else "excl"
        out.append(
            Built(
                name=f"fuel-ewif-macknick2012-{tag}-hydro",
                file=f"fuel/fuel_ewif_macknick2012_{tag}_hydro.csv",
                frame=pd.DataFrame(rows).sort_values("fuel").reset_index(drop=True),
                title="Per-fuel EWIF (consumption): one representative Macknick et al. (2012) "
                f"median per fuel, hydropower reservoir evaporation {tag}uded",
                sources=["macknick2012"],
                year=2012,
                licence="facts from a journal article (cite the source)",
                attribution="Macknick et al. 2012, Environ. Res. Lett. 7 045802",
                kind="consumption",
                role="fuel_factors",
                columns={
                    "fuel": FUEL_COLUMNS_NOTE,
                    "ewif_l_per_kwh": "L/kWh",
                    "ewif_gal_per_mwh": "gal/MWh as published",
                    "macknick_row": "fuel / technology / cooling row of Macknick Table 1 used",
                },
                caveats="One technology and cooling type per fuel (wet tower for thermal "
                "plants; oil uses the natural-gas steam-turbine row). See "
                "macknick2012-water-consumption for every row.",
            )
        )

    full = table.rename(
        columns={
            "consumption_median_gal_per_mwh": "ewif_gal_per_mwh",
            "consumption_median_l_per_kwh": "ewif_l_per_kwh_as_tabulated",
        }
    ).copy()
    full["ewif_l_per_kwh"] = (full["ewif_gal_per_mwh"].astype(float) * GAL).round(6)
    full["note"] = full["note"].fillna("")
    full = full[["fuel", "technology", "cooling", "ewif_gal_per_mwh", "ewif_l_per_kwh", "note"]]
    out.append(
        Built(
            name="macknick2012-water-consumption",
            file="fuel/macknick2012_water_consumption.csv",
            frame=full,
            title="Median operational water consumption by fuel, technology and cooling "
            "(Macknick et al. 2012, Table 1)",
            sources=["macknick2012"],
            year=2012,
            licence="facts from a journal article (cite the source)",
            attribution="Macknick et al. 2012, Environ. Res. Lett. 7 045802",
            kind="consumption",
            role="reference",
            columns={
                "fuel": "fuel (text, as in the paper)",
                "technology": "generation technology (text)",
                "cooling": "cooling type (text)",
                "ewif_gal_per_mwh": "gal/MWh (median)",
                "ewif_l_per_kwh": "L/kWh",
                "note": "remark (text)",
            },
            caveats="Medians of a literature review; withdrawal factors are not included. "
            "Transcribed from a secondary tabulation; four values cross-checked against a "
            "second independent copy.",
        )
    )
    return out


def build_thirsty_table1() -> list[Built]:
    ewif = pd.DataFrame(
        [
            {"zone": z, "year": 2023, "ewif_l_per_kwh": e, "zone_name": loc}
            for loc, z, _pue, _wue, e in THIRSTY_TABLE1
        ]
    )
    ref = pd.DataFrame(
        [
            {"location": loc, "zone": z, "pue": p, "wue_l_per_kwh": w, "ewif_l_per_kwh": e}
            for loc, z, p, w, e in THIRSTY_TABLE1
        ]
    )
    common = {
        "sources": ["thirsty"],
        "year": 2023,
        "licence": "facts from a research paper (cite the source)",
        "attribution": 'Li, Yang, Islam, Ren: Making AI Less "Thirsty", arXiv:2304.03271, Table 1',
    }
    return [
        Built(
            name="thirsty-table1-ewif",
            file="water/thirsty_table1_ewif.csv",
            frame=_zone_year_sort(ewif),
            title='Off-site EWIF per location of Making AI Less "Thirsty" Table 1',
            kind="consumption, average",
            role="zone_factors",
            resolution="annual",
            columns={
                "zone": ZONE_COL,
                "year": "publication year of the paper (data vintage about 2021-2022)",
                "ewif_l_per_kwh": "L/kWh",
                "zone_name": "location as named in the paper (text)",
            },
            caveats="A different method from the fuel-mix EWIF datasets (the paper's "
            "location values include hydro evaporation and come from the literature); use "
            "by pinning, to reproduce the paper. Not in the defaults.",
            **common,
        ),
        Built(
            name="thirsty-table1-locations",
            file="reference/thirsty_table1_locations.csv",
            frame=ref,
            title="PUE, on-site WUE and off-site EWIF of the U.S. and European data-center "
            'locations in Making AI Less "Thirsty" Table 1',
            kind="reference (operator PUE/WUE as reported in the paper)",
            role="reference",
            columns={
                "location": "location as named in the paper (text)",
                "zone": ZONE_COL,
                "pue": "ratio (facility / IT energy)",
                "wue_l_per_kwh": "L/kWh of IT energy (on-site)",
                "ewif_l_per_kwh": "L/kWh (off-site)",
            },
            caveats="Values as printed (three decimals).",
            **common,
        ),
    ]


def build_health(raw: Path) -> list[Built]:
    toll = pd.DataFrame(
        [
            {"zone": z, "year": 2023, "health_usd_per_mwh": v, "zone_name": label}
            for z, label, v in UNPAID_TOLL
        ]
    )
    out = [
        Built(
            name="us-health-unpaid-toll",
            file="health/us_health_unpaid_toll.csv",
            frame=_zone_year_sort(toll),
            title="Public-health damage price of electricity, US average 2023 and per "
            "data-center location (The Unpaid Toll)",
            sources=["unpaid_toll"],
            year=2023,
            licence="facts from a research paper (cite the source)",
            attribution="Han, Wu, Li, Wierman, Ren: The Unpaid Toll, arXiv:2412.06288",
            kind="average attribution, scope-2 (power generation) air-pollution health damage",
            role="zone_factors",
            resolution="annual",
            columns={
                "zone": ZONE_COL + "; per-location keys sit under their state (US-IA-ALTOONA)",
                "year": YEAR_COL,
                "health_usd_per_mwh": "US$/MWh of electricity drawn",
                "zone_name": "location (text)",
            },
            caveats="US only. The per-location prices are derived from the paper's Table 4 "
            "(data centers of one operator), the US value from Table 1 (6.67 bn USD over "
            "176.39 TWh). Dollar year as in the paper. Most are rounded to 0.1 $/MWh "
            "(Altoona and Prineville to 0.01).",
        )
    ]
    frames = []
    for ba in ("CISO", "ERCO", "PJM", "TVA"):
        path = (
            raw / "hourly_samples" / "health_hourly_2023" / f"{ba}_2023_hourly_fuelmix_health.csv"
        )
        df = pd.read_csv(path, dtype={"period": str})
        internal = df["internal_health_cost"].astype(float)
        external = df["external_health_cost"].astype(float)
        frames.append(
            pd.DataFrame(
                {
                    "zone": f"US-BA-{ba}",
                    # EIA-930 'period' labels name the hour's end: start = label - 1 h
                    "timestamp": pd.to_datetime(df["period"], format="%Y-%m-%dT%H", utc=True)
                    - pd.Timedelta(hours=1),
                    "health_usd_per_mwh": (internal + external).round(4),
                    "health_internal_usd_per_mwh": internal,
                    "health_external_usd_per_mwh": external,
                }
            )
        )
    hourly = _zone_year_sort(pd.concat(frames, ignore_index=True))
    out.append(
        Built(
            name="us-ba-health-hourly-2023",
            file="health/us_ba_health_hourly_2023.parquet",
            frame=hourly,
            title="Hourly public-health damage of electricity, 2023, for CISO, ERCO, PJM and "
            "TVA (internal + external damage)",
            sources=["health_predictor"],
            year=2023,
            licence="MIT",
            attribution="Ren-Research/Health-Impact-Predictor data (MIT), Copyright (c) 2025 "
            "Ren-Research",
            kind="average, air-pollution health damage of generation (internal: inside the "
            "balancing authority; external: elsewhere)",
            role="zone_factors",
            resolution="hourly",
            columns={
                "zone": "US balancing authority US-BA-<EIA code>",
                "timestamp": "UTC, interval start",
                "health_usd_per_mwh": "US$/MWh, internal + external",
                "health_internal_usd_per_mwh": "US$/MWh, damage inside the BA's footprint",
                "health_external_usd_per_mwh": "US$/MWh, damage outside it",
            },
            caveats="The upstream files do not state the unit or the time convention. Unit "
            "taken as US$/MWh (magnitudes match). Time: each 'period' label is the UTC end of "
            "the hour, as in EIA-930 (the labels have the EIA API's format, and the daily "
            "solar cycle of CISO's renewable share is centred 1 h after the hour-start "
            "reading; evidence in docs/data.md), so interval starts run from "
            "2022-12-31T23:00Z to 2023-12-31T22:00Z (8760 rows). 'internal'/'external' "
            "meaning inferred from the names.",
        )
    )
    return out


def build_eglb(eglb: Path) -> list[Built]:
    frames = []
    for stem, (zone, _label) in EGLB_SITES.items():
        series = {}
        for kind, sub, fname, col, scale in (
            ("carbon_g_per_kwh", "carbon", f"{stem}_carbon.csv", 1, units.G_PER_KG),
            ("water_total_l_per_kwh", "water", f"{stem}_water.csv", 1, 1.0),
            ("price_usd_per_mwh", "price", f"{stem}_Price.csv", 1, 1.0),
        ):
            df = pd.read_csv(eglb / sub / fname, dtype=str)
            ts = pd.to_datetime(df.iloc[:, 0].str.strip(), format="%Y-%m-%d %H", utc=True)
            if ts.duplicated().any():
                raise SystemExit(f"{fname}: duplicate timestamps")
            series[kind] = pd.Series(df.iloc[:, col].astype(float).to_numpy() * scale, index=ts)
        site = pd.DataFrame(series)
        site.index.name = "timestamp"
        site = site.reset_index()
        site.insert(0, "zone", zone)
        frames.append(site)
    frame = _zone_year_sort(pd.concat(frames, ignore_index=True))
    frame = frame[
        ["zone", "timestamp", "carbon_g_per_kwh", "water_total_l_per_kwh", "price_usd_per_mwh"]
    ]
    return [
        Built(
            name="eglb-hourly-2022",
            file="hourly/eglb_hourly_2022.parquet",
            frame=frame,
            title="Hourly carbon, total water and electricity price of the 10 eGLB benchmark "
            "sites, 2022-09-22 to 2022-10-12 (Li et al., e-Energy 2024)",
            sources=["eglb"],
            year=2022,
            licence="MIT",
            attribution="Ren-Research/Environmentally-Equitable-AI data (MIT), Copyright (c) "
            "2023 Ren-Research",
            kind="carbon: average, from hourly fuel mix; water: on-site (wet-bulb model) + "
            "PUE 1.1 × off-site EWIF, combined; price: wholesale",
            role="zone_factors",
            resolution="hourly",
            columns={
                "zone": ZONE_COL,
                "timestamp": "UTC, interval start",
                "carbon_g_per_kwh": "gCO2/kWh (published as kg/kWh)",
                "water_total_l_per_kwh": "L/kWh (on-site and off-site combined, already "
                "including PUE 1.1 for the off-site part)",
                "price_usd_per_mwh": "US$/MWh",
            },
            caveats="Only 457 common hours (2022-09-22 00:00 to 2022-10-11 00:00 UTC); the six "
            "non-US price series run 24 hours longer, where carbon and water are empty. Used "
            "only when pinned by name: never a default.",
        )
    ]


def build_pue_wue(raw: Path) -> list[Built]:
    df = pd.read_csv(raw / "datacenter" / "datacenter_pue_wue_published.csv", dtype=str)
    src = df["source"].astype(str)
    src = src.str.replace(
        "(transcribed in a third-party repo; see README)",
        "(transcribed from a secondary copy; not re-checked against the operator page)",
        regex=False,
    )
    frame = pd.DataFrame(
        {
            "operator": df["operator"],
            "site_or_region": df["site_or_region"],
            "scope": df["scope"],
            "metric": df["metric"],
            "value": df["value"].astype(float),
            "unit": df["unit"],
            "period": df["period"],
            "source": src,
        }
    )
    for metric, col in (("pue", "pue"), ("wue", "wue_l_per_kwh")):
        vals = frame.loc[frame["metric"].str.startswith(metric), "value"]
        lo, hi = RANGES[col]
        if ((vals < lo) | (vals > hi)).any():
            raise SystemExit(f"datacenter file: {metric} out of range")
    return [
        Built(
            name="datacenter-pue-wue-published",
            file="reference/datacenter_pue_wue_published.csv",
            frame=frame,
            title="Operator-published data-center PUE and on-site WUE (Google campuses, "
            "Microsoft geographies, AWS regions, industry averages)",
            sources=["operators"],
            year=[2020, 2025],
            licence="facts published by the operators (cite the source and period)",
            attribution="Google, Microsoft, Amazon, Uptime Institute (see the source column)",
            kind="PUE (ratio) and on-site WUE (L/kWh of IT energy)",
            role="pue_wue",
            columns={
                "operator": "google, microsoft, aws or industry",
                "site_or_region": "campus, geography or region (text)",
                "scope": "campus, geography, region or fleet (text)",
                "metric": "pue_quarterly, pue_ttm (trailing twelve months), pue or wue",
                "value": "ratio for PUE; L/kWh of IT energy for WUE",
                "unit": "unit of value (text)",
                "period": "period the value covers (text)",
                "source": "where the value was published (text)",
            },
            caveats="Transcribed from secondary copies of the operator pages (page state "
            "2025-10-16 for Google and Microsoft). Google publishes no per-site WUE; AWS "
            "publishes no per-region PUE. Two AWS Asia-Pacific WUE aggregates disagree "
            "(APAC 0.27 vs Asia Pacific excl. China 0.98).",
        )
    ]


# ---------------------------------------------------------------------------
# The sites catalog
# ---------------------------------------------------------------------------

# (region, location, zone). Zones: the finest bundled key that contains the region's
# location (US state, Canadian province, Chinese province, Nordic bidding zone, else
# country). Locations are the operators' published region locations.
AWS_REGIONS: list[tuple[str, str, str]] = [
    ("us-east-1", "US East (N. Virginia)", "US-VA"),
    ("us-east-2", "US East (Ohio)", "US-OH"),
    ("us-west-1", "US West (N. California)", "US-CA"),
    ("us-west-2", "US West (Oregon)", "US-OR"),
    ("us-gov-east-1", "AWS GovCloud (US-East); state not published", "US"),
    ("us-gov-west-1", "AWS GovCloud (US-West); state not published", "US"),
    ("af-south-1", "Africa (Cape Town)", "ZA"),
    ("ap-east-1", "Asia Pacific (Hong Kong)", "HK"),
    ("ap-south-1", "Asia Pacific (Mumbai)", "IN"),
    ("ap-south-2", "Asia Pacific (Hyderabad)", "IN"),
    ("ap-southeast-1", "Asia Pacific (Singapore)", "SG"),
    ("ap-southeast-2", "Asia Pacific (Sydney)", "AU"),
    ("ap-southeast-3", "Asia Pacific (Jakarta)", "ID"),
    ("ap-southeast-4", "Asia Pacific (Melbourne)", "AU"),
    ("ap-southeast-5", "Asia Pacific (Malaysia)", "MY"),
    ("ap-northeast-1", "Asia Pacific (Tokyo)", "JP"),
    ("ap-northeast-2", "Asia Pacific (Seoul)", "KR"),
    ("ap-northeast-3", "Asia Pacific (Osaka)", "JP"),
    ("ca-central-1", "Canada (Central), Montreal", "CA-QC"),
    ("ca-west-1", "Canada West (Calgary)", "CA-AB"),
    ("cn-north-1", "China (Beijing)", "CN-BJ"),
    ("cn-northwest-1", "China (Ningxia)", "CN-NX"),
    ("eu-central-1", "Europe (Frankfurt)", "DE"),
    ("eu-central-2", "Europe (Zurich)", "CH"),
    ("eu-west-1", "Europe (Ireland)", "IE"),
    ("eu-west-2", "Europe (London)", "GB"),
    ("eu-west-3", "Europe (Paris)", "FR"),
    ("eu-south-1", "Europe (Milan)", "IT"),
    ("eu-south-2", "Europe (Spain), Aragon", "ES"),
    ("eu-north-1", "Europe (Stockholm)", "SE-SE3"),
    ("il-central-1", "Israel (Tel Aviv)", "IL"),
    ("me-south-1", "Middle East (Bahrain)", "BH"),
    ("me-central-1", "Middle East (UAE)", "AE"),
    ("sa-east-1", "South America (Sao Paulo)", "BR"),
]

GCP_ZONES: dict[str, str] = {
    "africa-south1": "ZA",
    "asia-east1": "TW",
    "asia-east2": "HK",
    "asia-northeast1": "JP",
    "asia-northeast2": "JP",
    "asia-northeast3": "KR",
    "asia-south1": "IN",
    "asia-south2": "IN",
    "asia-southeast1": "SG",
    "asia-southeast2": "ID",
    "australia-southeast1": "AU",
    "australia-southeast2": "AU",
    "europe-central2": "PL",
    "europe-north1": "FI",
    "europe-north2": "SE-SE3",
    "europe-southwest1": "ES",
    "europe-west1": "BE",
    "europe-west2": "GB",
    "europe-west3": "DE",
    "europe-west4": "NL",
    "europe-west6": "CH",
    "europe-west8": "IT",
    "europe-west9": "FR",
    "europe-west10": "DE",
    "europe-west12": "IT",
    "me-central1": "QA",
    "me-central2": "SA",
    "me-west1": "IL",
    "northamerica-northeast1": "CA-QC",
    "northamerica-northeast2": "CA-ON",
    "northamerica-south1": "MX",
    "southamerica-east1": "BR",
    "southamerica-west1": "CL",
    "us-central1": "US-IA",
    "us-central2": "US-OK",
    "us-east1": "US-SC",
    "us-east2": "US-GA",
    "us-east4": "US-VA",
    "us-east5": "US-OH",
    "us-south1": "US-TX",
    "us-west1": "US-OR",
    "us-west2": "US-CA",
    "us-west3": "US-UT",
    "us-west4": "US-NV",
}

# GCP region -> Google campus whose published PUE is used (same metro area).
GCP_CAMPUS: dict[str, str] = {
    "us-central1": "Council Bluffs, Iowa",
    "us-central2": "Mayes County, Oklahoma",
    "us-east1": "Berkeley County, South Carolina",
    "us-east4": "Loudoun County, Virginia",
    "us-east5": "Central Ohio (Columbus), Ohio",
    "us-south1": "Midlothian, Texas",
    "us-west1": "The Dalles, Oregon",
    "us-west4": "Henderson, Nevada",
    "europe-west1": "St. Ghislain, Belgium",
    "europe-west4": "Eemshaven, Netherlands",
    "europe-north1": "Hamina, Finland",
    "asia-southeast1": "Singapore",
    "asia-east1": "Changua County, Taiwan",
    "asia-northeast1": "Inzai, Japan",
    "southamerica-west1": "Quilicura, Chile",
}

AZURE_REGIONS: list[tuple[str, str, str]] = [
    ("eastus", "East US, Virginia", "US-VA"),
    ("eastus2", "East US 2, Virginia", "US-VA"),
    ("eastus3", "East US 3, Georgia (announced)", "US-GA"),
    ("centralus", "Central US, Iowa", "US-IA"),
    ("northcentralus", "North Central US, Illinois", "US-IL"),
    ("southcentralus", "South Central US, Texas", "US-TX"),
    ("westcentralus", "West Central US, Wyoming", "US-WY"),
    ("westus", "West US, California", "US-CA"),
    ("westus2", "West US 2, Washington", "US-WA"),
    ("westus3", "West US 3, Arizona", "US-AZ"),
    ("canadacentral", "Canada Central, Toronto", "CA-ON"),
    ("canadaeast", "Canada East, Quebec City", "CA-QC"),
    ("brazilsouth", "Brazil South, Sao Paulo State", "BR"),
    ("mexicocentral", "Mexico Central, Queretaro", "MX"),
    ("northeurope", "North Europe, Ireland", "IE"),
    ("westeurope", "West Europe, Netherlands", "NL"),
    ("uksouth", "UK South, London", "GB"),
    ("ukwest", "UK West, Cardiff", "GB"),
    ("francecentral", "France Central, Paris", "FR"),
    ("francesouth", "France South, Marseille", "FR"),
    ("germanywestcentral", "Germany West Central, Frankfurt", "DE"),
    ("germanynorth", "Germany North, Berlin", "DE"),
    ("switzerlandnorth", "Switzerland North, Zurich", "CH"),
    ("switzerlandwest", "Switzerland West, Geneva", "CH"),
    ("norwayeast", "Norway East, Oslo", "NO-NO1"),
    ("norwaywest", "Norway West, Stavanger", "NO-NO2"),
    ("swedencentral", "Sweden Central, Gavle and Sandviken", "SE-SE3"),
    ("finlandcentral", "Finland Central, Helsinki (announced)", "FI"),
    ("belgiumcentral", "Belgium Central, Brussels", "BE"),
    ("polandcentral", "Poland Central, Warsaw", "PL"),
    ("italynorth", "Italy North, Milan", "IT"),
    ("spaincentral", "Spain Central, Madrid", "ES"),
    ("israelcentral", "Israel Central", "IL"),
    ("qatarcentral", "Qatar Central, Doha", "QA"),
    ("uaenorth", "UAE North, Dubai", "AE"),
    ("uaecentral", "UAE Central, Abu Dhabi", "AE"),
    ("southafricanorth", "South Africa North, Johannesburg", "ZA"),
    ("southafricawest", "South Africa West, Cape Town", "ZA"),
    ("centralindia", "Central India, Pune", "IN"),
    ("southindia", "South India, Chennai", "IN"),
    ("westindia", "West India, Mumbai", "IN"),
    ("eastasia", "East Asia, Hong Kong", "HK"),
    ("southeastasia", "Southeast Asia, Singapore", "SG"),
    ("japaneast", "Japan East, Tokyo and Saitama", "JP"),
    ("japanwest", "Japan West, Osaka", "JP"),
    ("koreacentral", "Korea Central, Seoul", "KR"),
    ("koreasouth", "Korea South, Busan", "KR"),
    ("australiaeast", "Australia East, New South Wales", "AU"),
    ("australiasoutheast", "Australia Southeast, Victoria", "AU"),
    ("australiacentral", "Australia Central, Canberra", "AU"),
    ("newzealandnorth", "New Zealand North, Auckland", "NZ"),
    ("indonesiacentral", "Indonesia Central, Jakarta", "ID"),
    ("malaysiawest", "Malaysia West, Kuala Lumpur", "MY"),
]

# Azure region -> Microsoft geography with a published PUE / Thirsty Table 1 location
AZURE_GEOGRAPHY: dict[str, str] = {
    "eastus": "Virginia",
    "eastus2": "Virginia",
    "eastus3": "Georgia",
    "centralus": "Iowa",
    "northcentralus": "Illinois",
    "southcentralus": "Texas",
    "westcentralus": "Wyoming",
    "westus2": "Washington",
    "westus3": "Arizona",
    "northeurope": "Ireland",
    "westeurope": "Netherlands",
    "swedencentral": "Sweden",
    "southeastasia": "Singapore",
    "polandcentral": "Poland",
}

AWS_MACRO: dict[str, str] = {
    "us": "AMER",
    "ca": "AMER",
    "sa": "AMER",
    "eu": "EMEA",
    "me": "EMEA",
    "af": "EMEA",
    "il": "EMEA",
    "ap": "APAC",
    "cn": "APAC",
}

THIRSTY_WUE_NOTE = (
    "no per-site WUE published by the operator; U.S.-average on-site WUE 0.55 L/kWh of "
    "Li et al. 2023 (Making AI Less Thirsty, Table 1) used as an industry placeholder"
)


def build_sites(raw: Path) -> list[Built]:
    dc = pd.read_csv(raw / "datacenter" / "datacenter_pue_wue_published.csv", dtype=str)
    dc["value"] = dc["value"].astype(float)

    def pick(operator: str, site: str, metric: str) -> tuple[float, str] | None:
        m = dc[
            (dc["operator"] == operator) & (dc["site_or_region"] == site) & (dc["metric"] == metric)
        ]
        if m.empty:
            return None
        r = m.iloc[0]
        return float(r["value"]), str(r["period"])

    thirsty = {loc: (p, w) for loc, _z, p, w, _e in THIRSTY_TABLE1}
    us_avg_wue = thirsty["U.S. average"][1]
    rows = []

    # AWS
    aws_pue = pick("aws", "GLOBAL", "pue")
    assert aws_pue is not None
    for region, location, zone in AWS_REGIONS:
        own = pick("aws", region, "wue")
        macro = AWS_MACRO[region.split("-")[0]]
        if own:
            wue, wue_src = own[0], f"AWS {own[1]} region WUE (operator-published)"
        else:
            agg = pick("aws", macro, "wue")
            assert agg is not None
            wue, wue_src = (
                agg[0],
                (f"AWS {agg[1]} {macro} average WUE (operator-published; no per-region value)"),
            )
        rows.append(
            {
                "site": f"aws:{region}",
                "zone": zone,
                "pue": aws_pue[0],
                "wue_l_per_kwh": wue,
                "label": f"AWS {region}",
                "provider": "aws",
                "region": region,
                "location": location,
                "pue_source": f"AWS fleet PUE {aws_pue[1]} (operator-published fleet average; "
                "no per-region PUE)",
                "wue_source": wue_src,
            }
        )

    # GCP
    campus_ttm = dc[(dc["operator"] == "google") & (dc["metric"] == "pue_ttm")]["value"]
    google_mean = round(float(campus_ttm.mean()), 3)
    gcp_locations: dict[str, str] = {}
    for path in sorted((raw / "google_region_carbon").glob("*.csv")):
        df = pd.read_csv(path)
        for reg, loc in zip(df["Google Cloud Region"], df["Location"], strict=True):
            gcp_locations[str(reg).strip()] = str(loc)
    if set(gcp_locations) != set(GCP_ZONES):
        raise SystemExit(f"GCP regions without a zone: {set(gcp_locations) ^ set(GCP_ZONES)}")
    for region in sorted(gcp_locations):
        campus = GCP_CAMPUS.get(region)
        got = None
        if campus:
            got = pick("google", campus, "pue_ttm")
            metric = "trailing-twelve-month"
            if got is None:
                got = pick("google", campus, "pue_quarterly")
                metric = "quarterly"
            assert got is not None, campus
            pue, pue_src = (
                got[0],
                (f"Google {campus} campus {metric} PUE, {got[1]} (operator-published)"),
            )
        else:
            pue, pue_src = (
                google_mean,
                (
                    "no Google campus PUE for this region; mean of Google's published campus "
                    f"trailing-twelve-month PUE values ({len(campus_ttm)} campuses, 2025)"
                ),
            )
        rows.append(
            {
                "site": f"gcp:{region}",
                "zone": GCP_ZONES[region],
                "pue": pue,
                "wue_l_per_kwh": us_avg_wue,
                "label": f"GCP {region}",
                "provider": "gcp",
                "region": region,
                "location": gcp_locations[region],
                "pue_source": pue_src,
                "wue_source": THIRSTY_WUE_NOTE,
            }
        )

    # Azure
    ms_fleet = pick("microsoft", "GLOBAL", "pue")
    assert ms_fleet is not None
    for region, location, zone in AZURE_REGIONS:
        geo = AZURE_GEOGRAPHY.get(region)
        got = pick("microsoft", geo, "pue") if geo else None
        if got:
            pue, pue_src = got[0], f"Microsoft {geo} geography PUE {got[1]} (operator-published)"
        elif geo in thirsty:
            pue, pue_src = (
                thirsty[geo][0],
                (
                    f"Microsoft {geo} PUE as reported in Li et al. 2023 (Making AI Less Thirsty, "
                    "Table 1)"
                ),
            )
        else:
            pue, pue_src = (
                ms_fleet[0],
                (
                    f"Microsoft fleet PUE {ms_fleet[1]} (operator-published fleet average; no "
                    "value for this region)"
                ),
            )
        if geo in thirsty:
            wue, wue_src = (
                thirsty[geo][1],
                (
                    f"Microsoft {geo} on-site WUE as reported in Li et al. 2023 (Making AI Less "
                    "Thirsty, Table 1)"
                ),
            )
        else:
            wue, wue_src = us_avg_wue, THIRSTY_WUE_NOTE
        rows.append(
            {
                "site": f"azure:{region}",
                "zone": zone,
                "pue": pue,
                "wue_l_per_kwh": wue,
                "label": f"Azure {region}",
                "provider": "azure",
                "region": region,
                "location": location,
                "pue_source": pue_src,
                "wue_source": wue_src,
            }
        )
    frame = pd.DataFrame(rows).sort_values("site", kind="stable").reset_index(drop=True)
    if frame["site"].duplicated().any():
        raise SystemExit("duplicate site ids")
    return [
        Built(
            name="cloud-sites",
            file="sites/cloud_sites.csv",
            frame=frame,
            title="Sites catalog: AWS, GCP and Azure regions with grid zone, PUE and on-site WUE",
            sources=["operators", "thirsty", "google"],
            year=[2023, 2025],
            licence="facts published by the operators and in the cited papers",
            attribution="Region locations as published by AWS, Google Cloud and Microsoft "
            "Azure; PUE/WUE sources per row",
            kind="site metadata",
            role="sites",
            columns={
                "site": "site id <provider>:<region>",
                "zone": "grid zone used for factors (finest bundled key containing the site)",
                "pue": "ratio (facility / IT energy)",
                "wue_l_per_kwh": "on-site water consumption, L/kWh of IT energy",
                "label": "display name (text)",
                "provider": "aws, gcp or azure",
                "region": "provider's region name",
                "location": "published location of the region (text)",
                "pue_source": "where the PUE comes from (text)",
                "wue_source": "where the WUE comes from (text)",
            },
            caveats="Operator PUE/WUE are fleet, geography or campus figures, not measured "
            "for a customer's workload; rows say which. WUE is a placeholder (0.55 L/kWh) for "
            "every GCP region and most Azure regions. Zones are countries where no finer "
            "bundled zone exists.",
        )
    ]


# ---------------------------------------------------------------------------
# Defaults and manifest
# ---------------------------------------------------------------------------

#: carbon basis and scope of every dataset with a carbon column: ``lifecycle`` (upstream
#: and construction emissions included, CO2e), ``direct`` (combustion at the plant only) or
#: ``mixed`` (the dataset combines bases); the scope note says what else differs
CARBON_BASIS: dict[str, tuple[str, str]] = {
    "country-carbon-owid": ("lifecycle", "CO2e; generation-based, imports not counted"),
    "country-carbon-ember2021": ("lifecycle", "CO2e; generation-based, imports not counted"),
    "us-state-carbon-egrid2023": (
        "direct",
        "CO2e of combustion at the plant, total output rate; production-based, "
        "trade between states not counted",
    ),
    "us-state-carbon-eia-ipcc2014": (
        "lifecycle",
        "CO2e; derived from the state's generation mix × IPCC AR5 lifecycle medians; "
        "generation-based, trade between states not counted",
    ),
    "ca-province-carbon-ipcc2014": (
        "lifecycle",
        "CO2e; derived from the generation mix × IPCC AR5 lifecycle medians; "
        "generation-based, imports not counted",
    ),
    "cn-province-carbon-mee2023": (
        "direct",
        "CO2 only (not CO2e); consumption-based (inter-provincial transfers counted)",
    ),
    "nordic-zone-carbon-2025": (
        "lifecycle",
        "CO2e; derived from the ENTSO-E generation mix; production-based, imports not "
        "counted; production types without a factor count as 0",
    ),
    "gcp-region-carbon-google": (
        "mixed",
        "CO2e; 2019-2020 lifecycle, 2021 on operational, as labelled by Google",
    ),
    "cloud-region-carbon-ccf": (
        "mixed",
        "CO2e; eGRID NERC-region rates (direct) for US regions, national factors of "
        "varied basis elsewhere",
    ),
    "eglb-hourly-2022": (
        "lifecycle",
        "CO2; hourly fuel mix × the authors' per-fuel factors (coal 968, gas 440, oil 890, "
        "nuclear 15, hydro 14, wind 23, solar 20 g/kWh: non-zero for non-combustion fuels)",
    ),
    "fuel-carbon-ipcc2014-lifecycle": ("lifecycle", "CO2e; IPCC AR5 medians by technology"),
    "fuel-carbon-ipcc2014-direct": ("direct", "CO2e of combustion; 0 for non-combustion fuels"),
    "fuel-carbon-codecarbon": (
        "mixed",
        "CO2e; a compilation of IEA, eGRID, WNA and IPCC AR5 values",
    ),
    "fuel-carbon-uk-neso": ("direct", "CO2 of combustion (operational); GB factors"),
    "fuel-factors-thirsty-code": (
        "lifecycle",
        "CO2; per-fuel factors of the Making-AI-Less-Thirsty code (non-zero for "
        "non-combustion fuels)",
    ),
}

#: carbon datasets used when none is pinned, per ``--carbon-basis``: one basis for every
#: zone (``lifecycle``, the default; ``direct``), or ``any`` (the datasets listed before the
#: basis was chosen, whatever their basis, with a run-time note when the bases mix)
CARBON_DEFAULTS: dict[str, list[str]] = {
    "lifecycle": [
        "country-carbon-owid",
        "us-state-carbon-eia-ipcc2014",
        "ca-province-carbon-ipcc2014",
        "nordic-zone-carbon-2025",
    ],
    "direct": ["us-state-carbon-egrid2023", "cn-province-carbon-mee2023"],
    "any": [
        "country-carbon-owid",
        "us-state-carbon-egrid2023",
        "ca-province-carbon-ipcc2014",
        "cn-province-carbon-mee2023",
        "nordic-zone-carbon-2025",
    ],
}

# factor column -> bundled datasets used when the user does not pin one, most preferred
# first (the rationale is in docs/data.md). The eGLB series are deliberately absent.
DEFAULTS: dict[str, list[str]] = {
    "carbon_g_per_kwh": CARBON_DEFAULTS["lifecycle"],
    "ewif_l_per_kwh": [
        "country-ewif-macknick-incl-hydro",
        "ca-province-ewif-macknick-incl-hydro",
    ],
    "ewif_withdrawal_l_per_kwh": [],
    "health_usd_per_mwh": ["us-health-unpaid-toll", "us-ba-health-hourly-2023"],
    "health_low_usd_per_mwh": [],
    "health_high_usd_per_mwh": [],
    "water_total_l_per_kwh": [],
    "price_usd_per_mwh": [],
}


def _content_digest(df: pd.DataFrame) -> str:
    buf = io.StringIO()
    out = df.copy()
    for col in out.columns:
        if isinstance(out[col].dtype, pd.DatetimeTZDtype):
            out[col] = out[col].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    out.to_csv(buf, index=False, lineterminator="\n")
    return hashlib.sha256(buf.getvalue().encode("utf-8")).hexdigest()


def _coverage(b: Built) -> str:
    df = b.frame
    if b.role == "sites":
        counts = df["provider"].value_counts()
        parts = ", ".join(f"{p} {counts[p]}" for p in sorted(counts.index))
        return f"{len(df)} sites ({parts})"
    if "zone" in df.columns and b.role == "zone_factors":
        n = df["zone"].nunique()
        if "timestamp" in df.columns:
            return f"{n} zones, {df['timestamp'].nunique()} hours"
        return f"{n} zones"
    if "fuel" in df.columns:
        return f"{df['fuel'].nunique()} fuels"
    return f"{len(df)} rows"


def _write(b: Built, data_dir: Path) -> dict[str, Any]:
    _check_ranges(b)
    path = data_dir / b.file
    path.parent.mkdir(parents=True, exist_ok=True)
    if b.file.endswith(".parquet"):
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_pandas(b.frame, preserve_index=False)
        table = table.replace_schema_metadata(None)
        pq.write_table(table, path, compression="zstd")
    else:
        b.frame.to_csv(path, index=False, lineterminator="\n")
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    years = b.year if isinstance(b.year, list) else [b.year]
    version = f"{years[-1]}.{_content_digest(b.frame)[:8]}"
    srcs = [SOURCES[s] for s in b.sources]
    entry: dict[str, Any] = {
        "name": b.name,
        "file": b.file,
        "version": version,
        "title": b.title,
        "source": srcs[0].ref() if len(srcs) == 1 else [s.ref() for s in srcs],
        "year": b.year,
        "licence": b.licence,
        "attribution": b.attribution,
        "kind": b.kind,
        "role": b.role,
        "resolution": b.resolution,
        "columns": b.columns,
        "sha256": sha,
        "coverage": b.coverage or _coverage(b),
        "caveats": b.caveats,
        "citation": " ".join(s.citation for s in srcs),
        "bibtex": "\n".join(s.bibtex for s in srcs),
    }
    carbon_cols = [c for c in b.frame.columns if c.startswith("carbon_")]
    if carbon_cols and b.name not in CARBON_BASIS:
        raise SystemExit(f"{b.name}: carbon data without a carbon basis (CARBON_BASIS)")
    if b.name in CARBON_BASIS:
        entry["carbon_basis"], entry["carbon_scope"] = CARBON_BASIS[b.name]
    missing = set(b.frame.columns) - set(b.columns)
    if missing:
        raise SystemExit(f"{b.name}: columns without a unit/description: {sorted(missing)}")
    return entry


BUILDERS: list[Callable[[Path, Path], list[Built]]] = [
    lambda raw, eglb: build_owid(raw),
    lambda raw, eglb: build_ember2021(raw),
    lambda raw, eglb: build_egrid(raw),
    lambda raw, eglb: build_us_state_lifecycle(raw, EIA_SPREADSHEET[0]),
    lambda raw, eglb: build_canada(raw),
    lambda raw, eglb: build_china(raw),
    lambda raw, eglb: build_nordic(raw),
    lambda raw, eglb: build_google(raw),
    lambda raw, eglb: build_ccf(raw),
    lambda raw, eglb: build_thirsty_table1(),
    lambda raw, eglb: build_health(raw),
    lambda raw, eglb: build_eglb(eglb),
    lambda raw, eglb: build_fuel_sets(raw),
    lambda raw, eglb: build_pue_wue(raw),
    lambda raw, eglb: build_sites(raw),
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("raw", type=Path, help="folder of raw public sources (data-sources)")
    parser.add_argument(
        "--eglb",
        type=Path,
        default=None,
        help="eGLB benchmark data folder (default: eglb-benchmark beside the raw folder)",
    )
    parser.add_argument(
        "--eia-generation",
        type=Path,
        default=None,
        help="EIA annual_generation_state spreadsheet (.xlsx needs openpyxl) or CSV to "
        "re-extract the U.S. state generation from (default: the bundled extract)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=REPO / "src" / "fairwatt" / "datasets",
        help="package folder to write data/ and manifest.json into",
    )
    args = parser.parse_args(argv)
    EIA_SPREADSHEET[0] = args.eia_generation
    raw: Path = args.raw.resolve()
    eglb: Path = (args.eglb or raw.parent / "eglb-benchmark").resolve()
    for folder in (raw, eglb):
        if not folder.is_dir():
            parser.error(f"not a folder: {folder}")
    data_dir = args.out / "data"
    built: list[Built] = []
    for builder in BUILDERS:
        built.extend(builder(raw, eglb))
    names = [b.name for b in built]
    if len(set(names)) != len(names):
        raise SystemExit("duplicate dataset names")
    for factor, ds in [*DEFAULTS.items(), *CARBON_DEFAULTS.items()]:
        for name in ds:
            if name not in names:
                raise SystemExit(f"default {factor}: unknown dataset {name}")
    # remove files of a previous build that are no longer produced
    keep = {b.file for b in built}
    if data_dir.exists():
        for old in sorted(data_dir.rglob("*")):
            if old.is_file() and old.relative_to(data_dir).as_posix() not in keep:
                old.unlink()
    entries = [_write(b, data_dir) for b in built]
    manifest = {"datasets": entries, "defaults": DEFAULTS, "carbon_defaults": CARBON_DEFAULTS}
    text = json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"
    (args.out / "manifest.json").write_text(text, encoding="utf-8")
    for e in entries:
        print(f"{e['name']:40s} {e['coverage']:28s} {e['file']}")
    print(f"{len(entries)} datasets written to {data_dir}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
