"""The one Jinja2 environment every page renders through: autoescaped, strict about missing names.

Templates live in ``report/templates``: ``shell.html.j2`` (the page shell), ``components.html.j2``
(figure, data table, callout, headline panel, glossary) and one template per page.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from altresponse.report import format as fmt


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("altresponse.report", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["estimate"] = fmt.estimate
    env.filters["number"] = fmt.number
    return env


def render(template: str, **context: Any) -> str:
    """Render a page template to a string."""
    return environment().get_template(template).render(**context)


def component(name: str, *args: Any, **kwargs: Any) -> Markup:
    """Call one macro of ``components.html.j2`` from Python (for markup built outside a template)."""
    module = environment().get_template("components.html.j2").module
    return Markup(getattr(module, name)(*args, **kwargs))
