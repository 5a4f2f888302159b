"""The egress policy: which addresses are refused, what the setting opens, and that a name is
resolved once and the checked address is the one handed back to connect to."""

import ipaddress

import pytest

from omniline.kit.egress import EgressPolicy, EgressRefused
from tests.support.dns import Dns

STRICT = EgressPolicy()

REFUSED = {
    "127.0.0.1": "loopback",
    "127.8.9.10": "loopback",
    "::1": "loopback",
    "10.0.0.5": "private",
    "172.16.3.4": "private",
    "192.168.1.10": "private",
    "fd12:3456::1": "private",
    "fec0::1": "private",
    "169.254.169.254": "link-local",  # cloud metadata
    "fe80::1": "link-local",
    "100.64.0.1": "shared (carrier-grade NAT)",
    "0.0.0.0": "unspecified or multicast",  # noqa: S104 (an address refused, not bound)
    "::": "unspecified or multicast",
    "224.0.0.1": "unspecified or multicast",
    "ff02::1": "unspecified or multicast",
    "255.255.255.255": "special-purpose",
    "192.0.0.8": "special-purpose",
    "198.18.0.1": "special-purpose",
    "192.0.2.1": "special-purpose",
    "240.0.0.1": "special-purpose",
    "2001:db8::1": "special-purpose",
    "::ffff:127.0.0.1": "loopback",  # IPv4-mapped: judged (and connected to) as IPv4
    "::ffff:10.1.2.3": "private",
    "::7f00:1": "carries a loopback",  # IPv4-compatible
    "2002:7f00:1::": "carries a loopback",  # 6to4
    "2002:a00:1::": "carries a private",
    "64:ff9b::a9fe:a9fe": "carries a link-local",  # NAT64 of 169.254.169.254
}
PUBLIC = ["8.8.8.8", "93.184.215.14", "2606:4700:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808"]


@pytest.mark.parametrize(("address", "kind"), REFUSED.items())
def test_addresses_that_are_not_public_are_refused(address: str, kind: str) -> None:
    reason = STRICT.refusal(ipaddress.ip_address(address))
    assert reason is not None
    assert kind in reason


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_pass(address: str) -> None:
    assert STRICT.refusal(ipaddress.ip_address(address)) is None


def test_the_setting_opens_named_ranges_and_networks_only() -> None:
    policy = EgressPolicy.parse("loopback, 10.20.0.0/16 192.168.5.7")

    for allowed in ("127.0.0.1", "::1", "::ffff:127.0.0.1", "10.20.3.4", "192.168.5.7"):
        assert policy.refusal(ipaddress.ip_address(allowed)) is None, allowed
    for refused in ("10.21.0.1", "192.168.5.8", "169.254.169.254", "::", "224.0.0.1"):
        assert policy.refusal(ipaddress.ip_address(refused)) is not None, refused
    everything = EgressPolicy.parse("private link-local shared")
    assert everything.refusal(ipaddress.ip_address("100.64.0.1")) is None
    assert everything.refusal(ipaddress.ip_address("127.0.0.1")) is not None


@pytest.mark.parametrize("setting", ["localhost", "10.0.0.0/33", "loopback;private", "all"])
def test_a_mistyped_setting_is_refused_with_what_it_takes(setting: str) -> None:
    with pytest.raises(ValueError, match=r"OMNILINE_EGRESS_ALLOW: .* range name .*loopback"):
        EgressPolicy.parse(setting)


async def test_a_name_is_refused_when_any_of_its_addresses_is() -> None:
    dns = Dns({"mail.example.com": ["93.184.215.14", "10.0.0.7"], "in.example.com": ["10.9.9.9"]})
    policy = EgressPolicy(resolver=dns)

    for host in ("mail.example.com", "in.example.com"):
        with pytest.raises(EgressRefused) as refused:
            await policy.resolve(host, 25)
        message = str(refused.value)
        assert f"{host} resolves to a private address" in message
        assert "10.0." not in message  # never which address
        assert "10.9." not in message
        assert "OMNILINE_EGRESS_ALLOW" in message


async def test_a_name_is_resolved_once_and_its_checked_address_is_the_destination() -> None:
    dns = Dns({"mail.example.com": ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"]})
    destination = await EgressPolicy(resolver=dns).resolve("mail.example.com", 587)

    assert dns.asked == ["mail.example.com"]
    assert destination.host == "mail.example.com"
    assert [str(a) for a in destination.addresses] == dns.answers["mail.example.com"]
    assert (str(destination.address), destination.port) == ("93.184.215.14", 587)


async def test_a_literal_address_is_checked_without_asking_dns() -> None:
    dns = Dns({})
    policy = EgressPolicy(resolver=dns)
    with pytest.raises(EgressRefused, match=r"^::ffff:127\.0\.0\.1 is a loopback address"):
        await policy.resolve("::ffff:127.0.0.1", 25)
    destination = await EgressPolicy.parse("loopback", resolver=dns).resolve("[::ffff:7f00:1]", 25)

    assert str(destination.address) == "127.0.0.1"  # the mapped address is connected to as IPv4
    assert dns.asked == []


async def test_the_systems_resolver_is_asked_for_real_names() -> None:
    with pytest.raises(EgressRefused, match="localhost resolves to a loopback address"):
        await STRICT.resolve("localhost", 25)
    destination = await EgressPolicy.parse("loopback").resolve("localhost", 25)
    assert destination.address.is_loopback


async def test_an_http_url_is_pinned_to_the_checked_address_and_keeps_its_host() -> None:
    dns = Dns({"hooks.example.com": ["93.184.215.14"], "v6.example.com": ["2606:4700::1"]})
    policy = EgressPolicy(resolver=dns)

    target = await policy.resolve_url("https://Hooks.Example.com:8443/in?token=x")
    v6 = await policy.resolve_url("http://v6.example.com/in")

    assert [str(u) for u in target.urls] == ["https://93.184.215.14:8443/in?token=x"]
    assert target.headers == {"Host": "hooks.example.com:8443"}
    assert target.extensions == {"sni_hostname": "hooks.example.com"}
    assert [str(u) for u in v6.urls] == ["http://[2606:4700::1]/in"]
    assert v6.headers == {"Host": "v6.example.com"}


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hook",
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://0.0.0.0:6379/",
        "http://inside.example.com/hook",
        "ftp://files.example.com/hook",
        "file:///etc/passwd",
        "https://",
    ],
)
async def test_urls_to_refused_places_or_of_other_schemes_are_refused(url: str) -> None:
    policy = EgressPolicy(resolver=Dns({"inside.example.com": ["192.168.0.10"]}))
    with pytest.raises(EgressRefused):
        await policy.resolve_url(url)
