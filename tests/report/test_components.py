"""The renderer's parts: a strict, escaping environment; figures closed; labels; no file names."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest
from jinja2 import UndefinedError

from altresponse.report import charts, labels
from altresponse.report.env import component, environment
from altresponse.report.glossary import entries
from altresponse.report.headline import headline_groups
from altresponse.report.words import without_file_names
from altresponse.results import Estimate, Headline


def test_environment_escapes_and_refuses_missing_names() -> None:
    env = environment()
    assert env.from_string("{{ x }}").render(x="<b>&") == "&lt;b&gt;&amp;"
    with pytest.raises(UndefinedError):
        env.from_string("{{ missing }}").render()
    with pytest.raises(UndefinedError):
        environment().get_template("index.html.j2").render()


def test_figures_are_closed_after_rendering() -> None:
    plt.close("all")
    fig = plt.figure()
    fig.add_subplot().plot([1, 2], [3, 4])
    assert plt.get_fignums()
    svg = charts.figure_to_svg(fig, caption="a <caption>", source="a source")
    assert plt.get_fignums() == []
    assert "<svg" in svg and "a &lt;caption&gt;" in svg and "Source: a source" in svg
    charts.bar(["a"], [1.0])
    assert plt.get_fignums() == []


def test_figure_is_closed_when_saving_fails() -> None:
    plt.close("all")
    fig = plt.figure()
    fig.add_subplot().plot([1, 2], [3, 4])
    fig.savefig = None  # type: ignore[method-assign]
    with pytest.raises(TypeError):
        charts.figure_to_svg(fig)
    assert plt.get_fignums() == []


def test_labels_come_from_the_catalogue_and_the_facts() -> None:
    assert labels.call_type("welfare_check") == "Welfare check"
    assert labels.pathway("crisis_line_988") == "988 crisis line"
    assert labels.team_type("community_responder") == "Community responder team"
    assert labels.outcome("arrest") == "an arrest"
    assert labels.category("behavioral_health") == "Behavioral health"


def test_file_names_leave_the_text_and_publications_stay() -> None:
    assert without_file_names("derived: 8,760 h / 5.1 FTE (programs.md D.2); relief factors vary") == (
        "derived: 8,760 h / 5.1 FTE (published program research); relief factors vary")
    assert without_file_names("Landscape analysis (altresponse analyze, summary.json)") == (
        "Landscape analysis (altresponse analyze)")
    assert without_file_names("Denver STAR evaluation (Dee and Pyne, 2022)") == (
        "Denver STAR evaluation (Dee and Pyne, 2022)")


def test_glossary_fails_on_an_unknown_term() -> None:
    assert entries("Erlang C")[0][0] == "Erlang C"
    with pytest.raises(KeyError):
        entries("Not a term")


def test_headline_panel_shows_both_call_sets_in_the_same_words() -> None:
    est = Estimate(value=1200.4, low=1100.0, high=1300.0, unit="calls/year", source="the protocol")
    h = (Headline().with_figures({"eligible_calls_per_year": est}, call_set="all eligible calls")
         .with_figures({"eligible_calls_per_year": est}, prefix="plan_", call_set="the final phase"))
    groups = headline_groups(h)
    assert [g.heading for g in groups] == ["Call set: all eligible calls", "Call set: the final phase"]
    html = component("headline_panel", groups, "none")
    assert html.count("1,200 (1,100–1,300)") == 2
    assert "Calls a year the protocol sends to an alternative to police (plan, final phase)" in html
