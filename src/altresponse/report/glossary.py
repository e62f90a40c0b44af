"""Statistics and planning terms in plain words, for the "Methods and glossary" section of each page.

Page text uses plain words; a term that needs a definition is defined here once and each page lists
the terms it uses.
"""

from __future__ import annotations

GLOSSARY: dict[str, str] = {
    "Plausible range (interval)": (
        "The range a figure probably lies in, given how much data there is. Ranges on these pages "
        "cover 90% of the likely values unless the table says 95%."
    ),
    "Shrinkage": (
        "Pulling the rate of a rare call type toward the city-wide rate, so that a type seen a few "
        "times does not look far safer or riskier than it is."
    ),
    "Empirical Bayes": (
        "Fitting the city-wide pattern from all call types first and using it to steady the estimate "
        "for each type; the method behind the shrunk risk figures."
    ),
    "Posterior": (
        "What the data and the city-wide pattern together say about a figure, as a spread of likely "
        "values rather than one number; ranges are read from it."
    ),
    "Beta-binomial prior": (
        "The city-wide pattern of serious-outcome rates across call types, described by two numbers "
        "fitted to all types at once."
    ),
    "Jeffreys interval": (
        "A standard way to give the plausible range of a share measured from a count, which stays "
        "sensible when the count is small."
    ),
    "Monte Carlo": (
        "Repeating a calculation many times with inputs drawn from their plausible ranges, and reading "
        "the spread of the results."
    ),
    "Median, 5th and 95th percentile (p5–p95)": (
        "Of many simulated values, the middle one and the values below which 5% and 95% of them fall; "
        "a cost shown as median (p5–p95) is likely to fall in that range."
    ),
    "Erlang C": (
        "A queueing formula from call centres: given how many calls arrive per hour and how long each "
        "takes, the chance a call has to wait for a free team."
    ),
    "Erlang A": (
        "Erlang C for callers who do not wait forever: a call left waiting too long goes back to police."
    ),
    "Load (Erlangs)": "Calls per hour times hours of work per call: the average number of teams kept busy.",
    "Utilization": "The share of on-duty team time spent on calls.",
    "Replication": "One run of the simulation over the whole period; figures are averages over runs.",
    "FTE (full-time equivalent)": (
        "One person working full time for a year; part-time or shared work adds up in fractions."
    ),
    "Spearman rho": (
        "A measure from -1 to 1 of whether two things rise together across areas (1: always, 0: no link)."
    ),
    "Capture": (
        "The share of eligible calls an alternative program actually serves once running, after "
        "call-taker screening and availability; peer programs report between about 44% and 65%."
    ),
    "Small-cell suppression": (
        "Counts under ten are withheld (shown as <10), because a small count next to a place or call "
        "type can identify a person."
    ),
    "Dirichlet weight draws": (
        "Re-scoring the ranking many times with criterion weights varied around the chosen ones, to see "
        "whether the order depends on the exact weights."
    ),
    "AIC, KS D and A-D": (
        "Measures of how well a fitted distribution matches the observed times: lower is better."
    ),
    "Integer program (shift scheduler)": (
        "An optimisation that picks whole numbers of shifts to cover every hour at the lowest cost."
    ),
}


def entries(*terms: str) -> list[tuple[str, str]]:
    """The glossary rows for the terms a page uses (in the order given); fails on an unknown term."""
    missing = [t for t in terms if t not in GLOSSARY]
    if missing:
        raise KeyError(f"no glossary entry for {missing}")
    return [(t, GLOSSARY[t]) for t in terms]
