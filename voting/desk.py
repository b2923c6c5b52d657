"""Town-hall desks: addresses exempt from the per-client limit on failed code tries.

At a desk (or on the library's shared network) many residents type codes from one
address; without this, a busy morning hits ``CODE_LIMIT_PER_CLIENT`` and even right
codes get 429. ``DESK_ADDRESSES`` lists those addresses or networks, comma-separated
(``10.20.0.15, 10.21.0.0/24``). The global limit still applies to them.
"""

from __future__ import annotations

import ipaddress
from functools import cache

from flask import current_app

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@cache
def parse_desks(setting: str) -> tuple[Network, ...]:
    """The networks of a ``DESK_ADDRESSES`` value; raises ``ValueError`` naming a bad
    entry."""
    networks = []
    for part in setting.split(","):
        part = part.strip()
        if not part:
            continue
        try:
            networks.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            raise ValueError(f"DESK_ADDRESSES: {part!r} is not an address or network") from None
    return tuple(networks)


def is_desk(address: str) -> bool:
    """True if ``address`` is one of the configured desks."""
    networks = parse_desks(str(current_app.config.get("DESK_ADDRESSES") or ""))
    if not networks:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)
