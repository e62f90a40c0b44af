"""Per-type risk from dispositions, with uncertainty, and risk-tolerance scenarios.

The question a diversion program asks of each call type is "how often does a call of this type
end in something that needs police?" (an arrest, a crime report, a citation). Rare types have
too few calls to answer alone, so rates are shrunk toward the city-wide distribution with an
empirical-Bayes beta-binomial model, and every rate carries a 90% interval. Tolerance scenarios
then ask: if types whose risk is below a threshold went to civilians, what share of calls is
that, and how many of those calls turned out to need police (the accepted error)?

Pure computation: numpy arrays in, dataclasses out; no I/O.
"""

from altresponse.risk.model import (
    DEFAULT_SERIOUS_CLASSES,
    RiskTable,
    ScenarioResult,
    estimate_type_risk,
    estimate_type_risk_from_counts,
    fit_beta_prior,
    serious_outcome,
    tolerance_scenarios,
)

__all__ = [
    "DEFAULT_SERIOUS_CLASSES",
    "RiskTable",
    "ScenarioResult",
    "estimate_type_risk",
    "estimate_type_risk_from_counts",
    "fit_beta_prior",
    "serious_outcome",
    "tolerance_scenarios",
]
