"""Values a client controls, made safe to write into a log line.

A request path, a header or a CSP report's ``blocked-uri`` may hold a newline; logged as is,
it starts a forged log line. Every log call that writes a request-derived value passes it
through :func:`log_value`, which escapes it the way ``repr`` does (backslash escapes for
control characters, newlines and non-printable characters) without the quotes, and caps its
length.
"""

from __future__ import annotations

MAX_LOGGED = 500


def log_value(value: object, limit: int = MAX_LOGGED) -> str:
    """`value` as one printable line: control and non-printable characters escaped.

    Printable non-ASCII text (å, ä, ö) stays as it is; a backslash is doubled, so an escape
    in the log always means an escaped character. Longer values are cut to `limit`
    characters (before escaping) and end in "…".
    """
    text = value if isinstance(value, str) else str(value)
    cut = len(text) > limit
    text = text[:limit]
    escaped = "".join(
        char if char.isprintable() and char != "\\" else repr(char)[1:-1] for char in text
    )
    return escaped + ("…" if cut else "")
