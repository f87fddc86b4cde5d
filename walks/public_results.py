"""Public results pages of the apps above walks that may name a resident report (a digital
walk whose point became the report), for the report's tracking page. The apps register a
function of a pin when they load; walks imports none of them."""

from __future__ import annotations

from collections.abc import Callable

#: Functions of a pin giving ``{"title", "date", "url"}`` dicts of the results pages naming it.
OTHER_RESULTS: list[Callable[[object], list[dict]]] = []


def other_results_of_pin(pin) -> list[dict]:
    """The results pages of every registered source that name this pin, in source order."""
    return [link for source in OTHER_RESULTS for link in source(pin)]
