"""The address a request came from, behind the proxies named in ``TRUSTED_PROXIES``.

Rate limits, django-axes's lockouts and audit entries are keyed on it. Behind a proxy every
request arrives from the proxy's address, so REMOTE_ADDR alone would put a whole county in one
bucket. X-Forwarded-For is no better on its own: the visitor writes whatever they like into it,
and each proxy only appends the address it received the request from. Read from the right, the
addresses are trustworthy as long as they were appended by one of our proxies; the first one
that is not a proxy of ours is the client. A request whose REMOTE_ADDR is not a trusted proxy
came straight to us, and its headers are ignored.
"""

import ipaddress

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def parse_networks(name: str, values: list[str]) -> tuple[Network, ...]:
    """Addresses or CIDR blocks (``10.0.0.5``, ``10.0.0.0/8``, ``fd00::/8``) of a setting."""
    networks = []
    for value in values:
        try:
            networks.append(ipaddress.ip_network(value, strict=False))
        except ValueError:
            raise ImproperlyConfigured(
                f"{name}: {value!r} is not an IP address or network."
            ) from None
    return tuple(networks)


def client_address(request) -> str | None:
    """The client's IP address as text; None if the request carries none (a test client)."""
    remote = _address(request.META.get("REMOTE_ADDR", ""))
    if remote is None:
        return None
    nearest = remote
    if _trusted(remote):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        for hop in reversed(forwarded.split(",")):
            address = _address(hop)
            if address is None:
                # Not written by a proxy of ours, which appends real addresses: a misconfigured
                # hop or the visitor's own text. The nearest trusted hop is all we know.
                break
            nearest = address
            if not _trusted(address):
                break
    return str(nearest)


def _trusted(address: Address) -> bool:
    return any(address in network for network in settings.TRUSTED_PROXIES)


def _address(text: str) -> Address | None:
    """An address as a proxy writes it: bare, ``1.2.3.4:port`` or ``[v6]:port``."""
    text = text.strip()
    if text.startswith("["):
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:
        text = text.partition(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address
