"""The demo's staff accounts: one per role, made only by `trygg demo`, refused in production.

Each role of :mod:`gis.core.roles` gets the account ``demo-<role>`` (staff, in that role's group,
working for the demo municipality). Every start of the demo gives each account a new random
password and prints it, so no password is written down anywhere and a demo left running on a
network is not open to a published one.

The production settings authenticate through :class:`NoDemoAccountsBackend`, which refuses these
user names whatever their password, at login and for a session made before: a demo database
restored into production, or an account made there by hand under a demo name, never lets anyone
in. :func:`ensure_demo_accounts` itself refuses to run under such settings.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string

from gis.core.roles import ROLES
from gis.login_limits import LoginLimitBackend

PREFIX = "demo-"
#: The demo's EST partner, whose member is the partner role's demo account.
DEMO_PARTNER = "Nattvandrarna"
REFUSED = (
    "these settings refuse the demo accounts (production); "
    "run the demo with DJANGO_SETTINGS_MODULE=gis.settings.demo"
)
#: Letters and digits that read aloud and type without mix-ups (no 0/O, 1/l/I).
PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
PASSWORD_GROUPS = 3
PASSWORD_GROUP_LENGTH = 4


def demo_username(role: str) -> str:
    """The demo account of a role, e.g. ``demo-planner``."""
    return f"{PREFIX}{role}"


#: The demo accounts' user names, in the order of the roles.
DEMO_USERNAMES = tuple(demo_username(role) for role in ROLES)


def is_demo_username(username: object) -> bool:
    """Whether `username` names a demo account (compared case-insensitively)."""
    return isinstance(username, str) and username.strip().casefold() in DEMO_USERNAMES


class DemoAccountsRefusedError(RuntimeError):
    """The settings in force refuse demo accounts (the production settings)."""


class NoDemoAccountsBackend(LoginLimitBackend):
    """The login backend of production: :class:`gis.login_limits.LoginLimitBackend` that never
    authenticates a demo account, neither at login nor from an existing session."""

    def user_can_authenticate(self, user) -> bool:
        return not is_demo_username(user.get_username()) and super().user_can_authenticate(user)


def refuses_demo_accounts() -> bool:
    """Whether the settings in force refuse demo accounts (a configured login backend is a
    :class:`NoDemoAccountsBackend`)."""
    return any(
        issubclass(import_string(path), NoDemoAccountsBackend)
        for path in settings.AUTHENTICATION_BACKENDS
    )


@dataclass(frozen=True)
class DemoLogin:
    """One demo account as printed at the start of the demo: role, user name, password."""

    role: str
    username: str
    password: str


def new_password() -> str:
    """A random password of three groups of four unambiguous characters (about 59 bits)."""
    groups = (
        "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(PASSWORD_GROUP_LENGTH))
        for _ in range(PASSWORD_GROUPS)
    )
    return "-".join(groups)


def ensure_demo_accounts(municipality) -> list[DemoLogin]:
    """Make or update the demo account of every role, each with a fresh random password.

    Parameters
    ----------
    municipality : gis.core.models.Municipality
        The demo municipality; every account works for it (``Municipality.staff``).

    Returns
    -------
    list of DemoLogin
        One per role, in the order of :data:`gis.core.roles.ROLES`.

    Raises
    ------
    DemoAccountsRefusedError
        When the settings in force refuse demo accounts (production).
    """
    from django.contrib.auth.models import Group, User

    if refuses_demo_accounts():
        raise DemoAccountsRefusedError(REFUSED)
    logins = []
    for role in ROLES:
        username = demo_username(role)
        user, _created = User.objects.get_or_create(username=username)
        password = new_password()
        user.set_password(password)
        user.is_staff, user.is_active, user.is_superuser = True, True, False
        user.save()
        user.groups.set([Group.objects.get(name=role)])
        municipality.staff.add(user)
        logins.append(DemoLogin(role, username, password))
    return logins


def ensure_demo_partner(municipality):
    """Make the demo's EST partner, the night walkers "Nattvandrarna", with ``demo-partner``
    (made by :func:`ensure_demo_accounts` first) as its member, so that the demo account can
    write shift reports. Returns the partner."""
    from django.contrib.auth.models import User

    from gis.core.partners import Partner

    partner, _created = Partner.objects.get_or_create(
        municipality=municipality,
        name=DEMO_PARTNER,
        defaults={"kind": Partner.Kind.NIGHT_WALKERS},
    )
    partner.members.add(User.objects.get(username=demo_username("partner")))
    return partner
