"""The edge that runs the stages: it loads inputs, runs each stage on the previous stage's typed
result in memory and saves every result as an artifact; a command that starts from a saved artifact
loads the same typed result (`load_landscape`), so no stage recomputes what an earlier one produced.
"""

from altresponse.pipeline.artifacts import (
    LANDSCAPE_FILE,
    PLAN_FILE,
    STAFFING_FILE,
    load_landscape,
    load_staffing_headline,
)
from altresponse.pipeline.run import PipelineResult, run_pipeline

__all__ = [
    "LANDSCAPE_FILE",
    "PLAN_FILE",
    "STAFFING_FILE",
    "PipelineResult",
    "load_landscape",
    "load_staffing_headline",
    "run_pipeline",
]
