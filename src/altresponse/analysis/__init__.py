"""Landscape analysis over a city's classified calls: what they are, which could go to whom, at what
risk, how much officer time, where and when, and whether the data can be trusted (`checks`).

Pure: the pipeline edge (`altresponse.pipeline.analyze`) reads the calls and writes the results.
"""

from altresponse.analysis.config import AnalysisConfig

__all__ = ["AnalysisConfig"]
