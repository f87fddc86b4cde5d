"""Who counts as one supporter of a resident pin, so that one person cannot multiply support.

A supporting vote counts once per client address and once per device on each pin: the address
is the one the rate limits count by (`gis.core.throttles.client_address`: the trusted proxy hop
of X-Forwarded-For, an IPv6 address as its /64 network), the device is the field app's or report
form's device token. Rotating device tokens from one address therefore adds nothing, nor does
rotating addresses with one device. Votes feed the ranking (`ResidentPin.vote_count`, which
`gis.frames`, the priority and the dashboard read), so that count is of distinct supporters.

The address is never stored: only a keyed hash (HMAC-SHA256 with the secret key), which cannot
be turned back into an address without the key, not even by trying every IPv4 address. Both the
hash and the device token are personal data that `walks.retention` empties after the retention
period.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.db.models import Q
from django.utils.crypto import salted_hmac

from gis.core.throttles import client_address, device_token
from walks.models import PinVote

_SALT = "trygg.walks.supporter-address"


def address_hash(address: str) -> str:
    """The keyed hash of a client address (64 hex characters)."""
    return salted_hmac(_SALT, address, algorithm="sha256").hexdigest()


@dataclass(frozen=True)
class Supporter:
    """One supporter: the keyed hash of the address, and the device token when sent."""

    address_hash: str
    device_token: uuid.UUID | None

    def votes(self, pin_id: int):
        """The votes on this pin that this supporter already made (by address or device)."""
        same = Q(address_hash=self.address_hash)
        if self.device_token is not None:
            same |= Q(device_token=self.device_token)
        return PinVote.objects.filter(same, pin_id=pin_id)


def supporter_of(request) -> Supporter:
    """The supporter behind a request: its counted address and its device token."""
    token = device_token(request)
    return Supporter(address_hash(client_address(request)), uuid.UUID(token) if token else None)
