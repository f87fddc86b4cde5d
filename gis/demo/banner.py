"""What `trygg demo` prints when the demo is ready: where to go, how to log in, how to join.

Plain text for a terminal, in English like every command's output (the pages are Swedish first).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.urls import reverse
from django.utils import translation

from gis.demo.accounts import DemoLogin
from gis.demo.open_walk import join_url, terminal_qr
from walks.models import SafetyWalk

#: Addresses that mean "every interface": no phone can open them.
_ANY_HOST = ("0.0.0.0", "::", "[::]", "")
_LOCAL_HOSTS = ("127.0.0.1", "localhost", "[::1]", "::1")


def base_url(addr: str, allowed_hosts: Iterable[str]) -> str:
    """The address to print for a server started with ``runserver addr``.

    `addr` is ``PORT``, ``HOST:PORT`` or ``[IPv6]:PORT``, as runserver takes it. A server on
    every interface is printed under the first of `allowed_hosts` that names this machine to
    others (not a loopback name, not a wildcard), else under 127.0.0.1.
    """
    host, _, port = addr.rpartition(":") if ":" in addr else ("127.0.0.1", "", addr)
    if host in _ANY_HOST:
        named = [h for h in allowed_hosts if h not in _LOCAL_HOSTS and not h.startswith((".", "*"))]
        host = named[0] if named else "127.0.0.1"
    return f"http://{host}:{port}"


def banner(base: str, logins: Sequence[DemoLogin], walk: SafetyWalk) -> str:
    """The text printed before the server starts: the start page, the demo's logins (role, user
    name, password), and the open walk's join link with its QR code."""
    with translation.override("sv"):
        login_path, leader_page = reverse("login"), reverse("walks:manage", args=[walk.join_code])
    url = join_url(walk, base)
    width = max(len(x.role) for x in logins) + 2
    lines = [
        "",
        f"Trygg demo ready at {base}/",
        "",
        f"Log in at {base}{login_path} with a demo account (a new password at every start; the",
        "production settings refuse these accounts):",
        f"  {'role':<{width}}{'user name':<{width + 5}}password",
        *(f"  {x.role:<{width}}{x.username:<{width + 5}}{x.password}" for x in logins),
        "",
        f'Open safety walk "{walk.title}": join it from a phone at',
        f"  {url}",
        "(a phone reaches this machine by its network address: serve with --addr 0.0.0.0:8000",
        "and TRYGG_ALLOWED_HOSTS=<that address>, and the link and code below name it)",
        terminal_qr(url).rstrip("\n"),
        f"The walk leader's page with the join sheet: {base}{leader_page}",
        "",
    ]
    return "\n".join(lines)
