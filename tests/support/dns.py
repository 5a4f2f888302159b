"""A resolver standing in for DNS, for the egress policy: fixed answers, questions counted."""

import ipaddress

from omniline.kit.egress import IPAddress, Unresolvable


class Dns:
    """Answers names from a table; a name not in it does not resolve."""

    def __init__(self, answers: dict[str, list[str]]) -> None:
        self.answers = answers
        self.asked: list[str] = []

    async def __call__(self, host: str, port: int) -> list[IPAddress]:
        self.asked.append(host)
        if host not in self.answers:
            raise Unresolvable(f"the host name '{host}' does not resolve")
        return [ipaddress.ip_address(a) for a in self.answers[host]]
