"""Report objects shared by every command's output."""

from fairwatt.reporting.report import Report

__all__ = ["Report"]
