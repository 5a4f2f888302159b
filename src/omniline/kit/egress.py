"""The egress policy: where this installation opens connections that a tenant configured.

Every outbound connection whose address a tenant chooses (an SMTP server, a webhook; later an
IMAP mailbox, a provider's API, an IVR lookup) goes through `EgressPolicy.resolve`: the host is
resolved once, every address it resolves to is checked, and the caller connects to the checked
address (`Destination.connect`, or `resolve_url` for HTTP), keeping the host name for TLS (SNI
and the certificate check) and for the HTTP Host header. Resolving again to connect would let a
name answer a public address to the check and a private one to the connection (DNS rebinding).

Refused unless the installation's settings allow them (OMNILINE_EGRESS_ALLOW): loopback,
private (RFC 1918, unique local, site-local), link-local (where cloud metadata services live),
shared (carrier-grade NAT) and every other special-purpose range; an IPv6 address that carries
an IPv4 one (mapped, compatible, 6to4, NAT64, Teredo) is judged by that address too. Multicast
and unspecified addresses are never a destination. Messages say which kind of address was
refused, never the address a name resolved to (that would map a private network's names).
"""

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field

import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], Awaitable[list[IPAddress]]]


def _networks(*cidrs: str) -> tuple[IPNetwork, ...]:
    return tuple(ipaddress.ip_network(c) for c in cidrs)


# the ranges an installation may allow by name, in the order a refusal names them
RANGES: dict[str, tuple[IPNetwork, ...]] = {
    "loopback": _networks("127.0.0.0/8", "::1/128"),
    "private": _networks("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7", "fec0::/10"),
    "link-local": _networks("169.254.0.0/16", "fe80::/10"),
    "shared": _networks("100.64.0.0/10"),
}
_NAT64 = _networks("64:ff9b::/96", "64:ff9b:1::/48")
# special-purpose ranges that Python 3.11's `is_global` still counts as global
_SPECIAL = _networks("192.0.0.0/24")
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")
_WORDS = {"shared": "shared (carrier-grade NAT)"}
SETTING = "OMNILINE_EGRESS_ALLOW"


class EgressError(Exception):
    """A destination the installation will not or cannot connect to; the message is safe to
    show to the tenant's administrator."""


class EgressRefused(EgressError):
    """The policy refuses the destination: trying again will not help."""


class Unresolvable(EgressError):
    """The host name does not resolve (now: DNS may answer later)."""


@dataclass(frozen=True, slots=True)
class Destination:
    """Checked addresses to connect to, in the resolver's order, with the name TLS and HTTP
    must present."""

    host: str
    addresses: tuple[IPAddress, ...]
    port: int

    @property
    def address(self) -> IPAddress:
        """The address tried first."""
        return self.addresses[0]

    async def connect(self) -> socket.socket:
        """A TCP socket connected to the first checked address that answers (never to the
        name); the caller bounds the time with asyncio.timeout."""
        error: OSError | None = None
        for address in self.addresses:
            try:
                return await _connect(address, self.port)
            except OSError as exc:
                error = exc
        assert error is not None  # a destination has at least one address
        raise error


async def _connect(address: IPAddress, port: int) -> socket.socket:
    family = socket.AF_INET6 if address.version == 6 else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setblocking(False)
    try:
        await asyncio.get_running_loop().sock_connect(sock, (str(address), port))
    except BaseException:
        sock.close()
        raise
    return sock


@dataclass(frozen=True, slots=True)
class HttpTarget:
    """An HTTP request pinned to checked addresses: send to one of `urls` (in order, the next
    when one cannot be reached) with these headers and extensions (httpx), so that the Host
    header and TLS still name the configured host."""

    urls: tuple[httpx.URL, ...]
    headers: dict[str, str]
    extensions: dict[str, str]


async def system_resolver(host: str, port: int) -> list[IPAddress]:
    """Every address the system's resolver gives for a name, in its order of preference."""
    loop = asyncio.get_running_loop()
    try:
        found = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise Unresolvable(f"the host name '{host}' does not resolve") from exc
    addresses: list[IPAddress] = []
    for *_, sockaddr in found:
        address = ipaddress.ip_address(str(sockaddr[0]))
        if address not in addresses:
            addresses.append(address)
    return addresses


def literal(host: str) -> IPAddress | None:
    """The address a host names literally (`[::1]` too), or None for a name."""
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class EgressPolicy:
    """Which destinations are refused; `allow` opens networks the installation trusts."""

    allow: tuple[IPNetwork, ...] = ()
    resolver: Resolver = field(default=system_resolver, compare=False)

    @classmethod
    def parse(cls, setting: str, resolver: Resolver = system_resolver) -> "EgressPolicy":
        """A policy from the setting: range names and networks, separated by commas or spaces
        (e.g. "loopback, 10.20.0.0/16"); "" allows none. ValueError says what is wrong."""
        allow: list[IPNetwork] = []
        for word in setting.replace(",", " ").split():
            allow.extend(_allowed(word.lower()))
        return cls(tuple(allow), resolver)

    def refusal(self, address: IPAddress) -> str | None:
        """Why the address is refused ("a loopback address"), or None when it may be used."""
        address = _unmapped(address)
        if address.is_unspecified or address.is_multicast:
            return "an unspecified or multicast address"
        if any(address in network for network in self.allow):
            return None
        for name, networks in RANGES.items():
            if any(address in network for network in networks):
                return f"a {_WORDS.get(name, name)} address"
        carried = _carried(address)
        if carried is not None and self.refusal(carried) is not None:
            return f"an IPv6 address that carries {self.refusal(carried)}"
        if not address.is_global or any(address in network for network in _SPECIAL):
            return "a special-purpose (not public) address"
        return None

    async def resolve(self, host: str, port: int) -> Destination:
        """The address to connect to for host:port; EgressRefused if the host is or resolves
        to any refused address, Unresolvable if a name does not resolve."""
        address = literal(host)
        addresses = [address] if address is not None else await self.resolver(host, port)
        if not addresses:
            raise Unresolvable(f"the host name '{host}' does not resolve")
        for found in addresses:
            reason = self.refusal(found)
            if reason is not None:
                raise EgressRefused(_refused(host, address is not None, reason))
        unique = dict.fromkeys(_unmapped(a) for a in addresses)
        return Destination(host, tuple(unique), port)

    async def resolve_url(self, url: str) -> HttpTarget:
        """An http(s) URL pinned to its host's checked address; EgressRefused for another
        scheme or a refused host."""
        try:
            parsed = httpx.URL(url)
        except httpx.InvalidURL:
            raise EgressRefused(f"'{url}' is not a URL") from None
        if parsed.scheme not in ("http", "https") or not parsed.host:
            raise EgressRefused(f"'{url}' is not an http:// or https:// URL")
        port = parsed.port or (443 if parsed.scheme == "https" else 80)
        destination = await self.resolve(parsed.host, port)
        return HttpTarget(
            urls=tuple(parsed.copy_with(host=str(a)) for a in destination.addresses),
            headers={"Host": parsed.netloc.decode("ascii")},
            extensions={"sni_hostname": parsed.host},
        )


def _allowed(word: str) -> Iterable[IPNetwork]:
    if word in RANGES:
        return RANGES[word]
    try:
        return [ipaddress.ip_network(word, strict=False)]
    except ValueError:
        names = ", ".join(RANGES)
        raise ValueError(
            f"{SETTING}: '{word}' is neither a range name ({names}) nor a network such as "
            "10.20.0.0/16 or an address"
        ) from None


def _unmapped(address: IPAddress) -> IPAddress:
    """An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is the IPv4 address it maps."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _carried(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries (compatible, 6to4, NAT64, Teredo), if any."""
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in _IPV4_COMPATIBLE or any(address in n for n in _NAT64):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def _refused(host: str, is_literal: bool, reason: str) -> str:
    subject = f"{host} is" if is_literal else f"{host} resolves to"
    return (
        f"{subject} {reason}, which this installation does not connect to (its operator can "
        f"allow it with {SETTING})"
    )
