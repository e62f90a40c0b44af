"""Landscape analysis over a city's calls: what they are, which could go to whom, at what risk.

`run_analysis(calls_parquet, out_dir, profile, boundaries=None, indicators=None)` classifies the
calls (taxonomy + protocol), computes volumes, shares, risk-tolerance scenarios, officer time,
places, repeat locations and equity, and writes classified.parquet, summary.json and report.html.
The keys of summary.json are documented in docs/analysis.md.
"""

from altresponse.analysis.classify import ClassifySummary, classify_calls
from altresponse.analysis.config import AnalysisConfig
from altresponse.analysis.run import analyze_classified, run_analysis

__all__ = ["AnalysisConfig", "ClassifySummary", "analyze_classified", "classify_calls", "run_analysis"]
