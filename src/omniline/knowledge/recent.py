"""The results of recent searches, kept per process (47 % of the searches in bench/search.py
ask again what an earlier one asked; a repeat skips the index query and the snippets).

A result is kept under everything that decides it: the tenant, the generation of the tenant's
index (`index.generation`, a new random value with every change of the index, read in the
searching transaction), the audiences asked for, the terms searched (after typo correction)
and the page size. So a result is served only to the same tenant and audiences, and never
after the index changed: a change made in this process or in any other is seen by the next
search that starts after its commit; nothing depends on time. Only article ids, scores and
snippets are kept; the articles themselves are loaded by every search.
"""

import uuid
from collections import OrderedDict
from dataclasses import dataclass

from omniline.models import Audience

# results kept: 8.6 kB each with ten snippets in the bench (measured, shared strings counted
# each time), so up to about 35 MB; keeping 1,024 would serve 18-20 % of the bench's searches
# again instead of 30-32 %
SIZE = 4096


@dataclass(frozen=True, slots=True)
class Key:
    tenant_id: uuid.UUID
    generation: str
    audiences: tuple[Audience, ...]  # sorted, so the order they were asked in does not matter
    terms: tuple[str, ...]
    limit: int

    @classmethod
    def of(
        cls,
        tenant_id: uuid.UUID,
        generation: str,
        audiences: tuple[Audience, ...],
        terms: list[str],
        limit: int,
    ) -> "Key":
        return cls(tenant_id, generation, tuple(sorted(set(audiences))), tuple(terms), limit)


@dataclass(frozen=True, slots=True)
class Ranked:
    """One article of a result: which, its score, and its snippet for the terms."""

    article_id: uuid.UUID
    score: float
    snippet: str


_results: OrderedDict[Key, tuple[Ranked, ...]] = OrderedDict()


def get(key: Key) -> tuple[Ranked, ...] | None:
    """The result kept for exactly this search, if any."""
    found = _results.get(key)
    if found is not None:
        _results.move_to_end(key)
    return found


def keep(key: Key, ranked: tuple[Ranked, ...]) -> None:
    """Keep a result; the least recently used goes when there are too many."""
    _results[key] = ranked
    _results.move_to_end(key)
    while len(_results) > SIZE:
        _results.popitem(last=False)


def clear() -> None:
    """Forget every result (tests; or to give the memory back)."""
    _results.clear()
