"""fairwatt: region-by-region footprint audits, inequity indices and equity-aware load balancing."""

__version__ = "0.1.0"
