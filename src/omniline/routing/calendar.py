"""Business-hours calendars: when a queue is open, and how much open time lies between instants.

A calendar is a week of opening hours in the tenant's local time, plus holidays (closed all day)
and overrides (special hours for one date). The stored JSON form is
`{"week": {"mon": [["09:00", "18:00"]], ...}, "holidays": ["2026-12-25"],
"overrides": {"2026-12-24": [["09:00", "13:00"]]}}`; `{}` means always open.

Rules worth knowing:
- A span whose end is before its start runs past midnight, and belongs to the day it starts on:
  a holiday or override on that day replaces the whole span, including the part after midnight.
- A local time is turned into an instant as the first instant at which the local clock reads
  that time or later. So an ambiguous time (the clocks go back) means its first occurrence, and
  a time that does not exist (the clocks jump forward over it) means the instant of the jump.
  Open time is real elapsed time: 09:00-18:00 is 9 hours on most days, but a span over the
  night the clocks change is an hour shorter or longer.
- Intervals are half-open: a queue is open at its opening instant and closed at its closing one.

Everything here is pure: plain data and instants in, values out.
"""

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from omniline.kit.errors import InvalidInput

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
HORIZON_DAYS = 400  # how far ahead next_change and add_open_time look
MINUTES_PER_DAY = 24 * 60

# Opening hours of one day: (start, end) minutes after the day's local midnight, sorted and
# disjoint; an end past 1440 runs into the next day.
Spans = tuple[tuple[int, int], ...]
FULL_DAY: Spans = ((0, MINUTES_PER_DAY),)

_ONE_DAY = timedelta(days=1)
_LAST_DAY = date.max - timedelta(days=3)
_TIME = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_KEYS = ("week", "holidays", "overrides")


@dataclass(frozen=True, slots=True)
class Calendar:
    """Opening hours, validated and normalised; build one with `parse_calendar`."""

    week: tuple[Spans, ...] = (FULL_DAY,) * 7  # monday first
    holidays: frozenset[date] = frozenset()
    overrides: tuple[tuple[date, Spans], ...] = ()  # sorted by date
    # derived in __post_init__, for quick look-ups
    _special: dict[date, Spans] = field(init=False, repr=False, compare=False)
    _special_days: tuple[date, ...] = field(init=False, repr=False, compare=False)
    _constant: bool | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        special: dict[date, Spans] = dict.fromkeys(self.holidays, ())
        special.update(self.overrides)
        object.__setattr__(self, "_special", special)
        object.__setattr__(self, "_special_days", tuple(sorted(special)))
        constant: bool | None = None
        if all(day == FULL_DAY for day in self.week):
            constant = True
        elif not any(self.week):
            constant = False
        object.__setattr__(self, "_constant", constant)

    def hours(self, day: date) -> Spans:
        """The opening hours that start on a local date."""
        found = self._special.get(day)
        return self.week[day.weekday()] if found is None else found


ALWAYS_OPEN = Calendar()


# --- reading and writing the JSON form ---------------------------------------------------------


def parse_calendar(doc: Mapping[str, Any]) -> Calendar:
    """Validate a stored calendar document; raise InvalidInput saying what to fix."""
    if not isinstance(doc, Mapping):
        raise InvalidInput("the business calendar must be a JSON object", field="calendar")
    unknown = sorted(str(key) for key in doc if key not in _KEYS)
    if unknown:
        raise InvalidInput(
            f"unknown key {unknown[0]!r} in the business calendar; "
            "the keys are week, holidays and overrides",
            field=unknown[0],
        )
    week = _parse_week(doc["week"]) if "week" in doc else (FULL_DAY,) * 7
    holidays = _parse_holidays(doc.get("holidays", []))
    overrides = _parse_overrides(doc.get("overrides", {}))
    for day, _ in overrides:
        if day in holidays:
            raise InvalidInput(
                f"{day} is both a holiday and an override; keep one "
                "(an override with an empty list also closes the day)",
                field=f"overrides.{day}",
            )
    return Calendar(week=week, holidays=holidays, overrides=overrides)


def calendar_doc(cal: Calendar) -> dict[str, Any]:
    """The normalised JSON form: a week has all seven days spelled out, and is left out when it
    is open around the clock; `{}` means always open."""
    doc: dict[str, Any] = {}
    if cal.week != ALWAYS_OPEN.week:
        doc["week"] = {name: _spans_doc(spans) for name, spans in zip(DAYS, cal.week, strict=True)}
    if cal.holidays:
        doc["holidays"] = [day.isoformat() for day in sorted(cal.holidays)]
    if cal.overrides:
        doc["overrides"] = {day.isoformat(): _spans_doc(spans) for day, spans in cal.overrides}
    return doc


def _parse_week(value: object) -> tuple[Spans, ...]:
    if not isinstance(value, Mapping):
        raise InvalidInput(
            'week must be an object like {"mon": [["09:00", "18:00"]]}', field="week"
        )
    for name in value:
        if name not in DAYS:
            raise InvalidInput(
                f"unknown day {name!r} in week; use mon, tue, wed, thu, fri, sat, sun",
                field=f"week.{name}",
            )
    return tuple(_parse_spans(value.get(name, []), f"week.{name}") for name in DAYS)


def _parse_holidays(value: object) -> frozenset[date]:
    if not isinstance(value, list):
        raise InvalidInput('holidays must be a list of dates like ["2026-12-25"]', field="holidays")
    return frozenset(_parse_date(item, f"holidays[{i}]") for i, item in enumerate(value))


def _parse_overrides(value: object) -> tuple[tuple[date, Spans], ...]:
    if not isinstance(value, Mapping):
        raise InvalidInput(
            'overrides must be an object like {"2026-12-24": [["09:00", "13:00"]]}',
            field="overrides",
        )
    parsed = {
        _parse_date(key, f"overrides.{key}"): _parse_spans(spans, f"overrides.{key}")
        for key, spans in value.items()
    }
    return tuple(sorted(parsed.items()))


def _parse_date(value: object, where: str) -> date:
    if isinstance(value, str) and _DATE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise InvalidInput(f"{where}: {value!r} is not a date in YYYY-MM-DD form", field=where)


def _parse_spans(value: object, where: str) -> Spans:
    if not isinstance(value, list):
        raise InvalidInput(
            f'{where}: expected a list of spans like [["09:00", "18:00"]], got {value!r}',
            field=where,
        )
    merged = _merge(_parse_span(item, f"{where}[{i}]") for i, item in enumerate(value))
    for start, end in merged:
        if end - start >= MINUTES_PER_DAY and (start, end) != FULL_DAY[0]:
            raise InvalidInput(
                f"{where}: the spans join into one stretch of 24 hours or more from "
                f"{_clock(start)}; a day's hours must fit in 24 hours, so move the part "
                "after midnight to the next day",
                field=where,
            )
    return merged


def _merge(spans: Iterable[tuple[int, int]]) -> Spans:
    """Sorted spans, overlapping or touching ones joined."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return tuple(merged)


def _parse_span(value: object, where: str) -> tuple[int, int]:
    if not (isinstance(value, list) and len(value) == 2 and all(isinstance(v, str) for v in value)):
        raise InvalidInput(
            f'{where}: a span is a pair of times like ["09:00", "18:00"], got {value!r}',
            field=where,
        )
    if value[0] == "24:00":
        raise InvalidInput(f'{where}: "24:00" can only end a span, not start one', field=where)
    start = _parse_time(value[0], where)
    end = MINUTES_PER_DAY if value[1] == "24:00" else _parse_time(value[1], where)
    if end == start:
        raise InvalidInput(
            f'{where}: the span starts and ends at {value[0]}; for a whole day write ["00:00", '
            '"24:00"]',
            field=where,
        )
    # an end before the start runs past midnight into the next day
    return (start, end if end > start else end + MINUTES_PER_DAY)


def _parse_time(text: str, where: str) -> int:
    match = _TIME.fullmatch(text)
    if match is None:
        raise InvalidInput(
            f"{where}: {text!r} is not a time of day in HH:MM form (00:00 to 23:59, or 24:00 "
            "as an end)",
            field=where,
        )
    return int(match[1]) * 60 + int(match[2])


def _spans_doc(spans: Spans) -> list[list[str]]:
    return [[_clock(start), _clock_end(end)] for start, end in spans]


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _clock_end(minutes: int) -> str:
    if minutes == MINUTES_PER_DAY:
        return "24:00"
    return _clock(minutes % MINUTES_PER_DAY)


# --- questions about instants -----------------------------------------------------------------


def is_open(cal: Calendar, tz: ZoneInfo, at: datetime) -> bool:
    """Whether the calendar is open at an instant (timezone-aware)."""
    day, now = _local_day(tz, at), _naive_utc(at)
    # the day after too: where the clocks go back over midnight, its hours can start before `at`
    for start, end in _intervals(cal, tz, day - _ONE_DAY, day + _ONE_DAY):
        if start > now:
            break
        if now < end:
            return True
    return False


def next_change(cal: Calendar, tz: ZoneInfo, at: datetime) -> datetime | None:
    """The first instant after `at` at which the calendar opens or closes.

    None if that does not happen within HORIZON_DAYS (400) days, as for an always-open or a
    never-open calendar.
    """
    first, last = _horizon(tz, at)
    now, limit = _naive_utc(at), _instant(tz, last + _ONE_DAY, 0)
    for start, end in _intervals(cal, tz, first, last):
        if start > now:
            return _aware(start)
        if now < end:
            # an interval reaching the horizon may go on beyond it: we do not know when it ends
            return _aware(end) if end < limit else None
    return None


def add_open_time(cal: Calendar, tz: ZoneInfo, start: datetime, seconds: float) -> datetime | None:
    """The earliest instant by which `seconds` of open time have passed since `start`.

    This is a deadline in business hours. Zero seconds gives `start` itself. The search looks
    HORIZON_DAYS (400) days ahead: None if the deadline lies further, which includes calendars
    that never open.
    """
    if seconds < 0:
        raise ValueError(f"seconds must not be negative, got {seconds}")
    first, last = _horizon(tz, start)
    begin, left = _naive_utc(start), timedelta(seconds=seconds)
    if not left:
        return _aware(begin)
    if cal._constant and bisect_left(cal._special_days, first) == len(cal._special_days):
        return _aware(begin + left)  # open all the time from here on: no need for a horizon
    for opens, closes in _intervals(cal, tz, first, last):
        if closes <= begin:
            continue
        opens = max(opens, begin)
        if opens + left <= closes:
            return _aware(opens + left)
        left -= closes - opens
    return None


def open_seconds_between(cal: Calendar, tz: ZoneInfo, a: datetime, b: datetime) -> float:
    """Seconds of open time from `a` to `b`; 0 when `b` is not after `a`."""
    if b <= a:
        return 0.0
    first, last = _local_day(tz, a) - _ONE_DAY, _local_day(tz, b) + _ONE_DAY
    a, b = _naive_utc(a), _naive_utc(b)
    total = timedelta()
    for start, end in _intervals(cal, tz, first, last):
        if start >= b:
            break
        if end > a:
            total += min(end, b) - max(start, a)
    return total.total_seconds()


# --- walking the days -------------------------------------------------------------------------
# Inside, instants are naive datetimes in UTC: cheaper to build than aware ones.

_CLOCK = [time(m // 60, m % 60) for m in range(MINUTES_PER_DAY)]
_CLOCK_FOLD = [time(m // 60, m % 60, fold=1) for m in range(MINUTES_PER_DAY)]


def _horizon(tz: ZoneInfo, at: datetime) -> tuple[date, date]:
    day = _local_day(tz, at)
    return day - _ONE_DAY, min(day + timedelta(days=HORIZON_DAYS), _LAST_DAY)


def _local_day(tz: ZoneInfo, at: datetime) -> date:
    if at.tzinfo is None:
        raise ValueError(f"expected a timezone-aware datetime, got {at!r}")
    return at.astimezone(tz).date()


def _naive_utc(at: datetime) -> datetime:
    return at.astimezone(UTC).replace(tzinfo=None)


def _aware(at: datetime) -> datetime:
    return at.replace(tzinfo=UTC)


def _intervals(
    cal: Calendar, tz: ZoneInfo, first: date, last: date
) -> Iterator[tuple[datetime, datetime]]:
    """Open intervals (half-open, merged, in order) made of the hours starting on the local
    dates first..last."""
    current: tuple[datetime, datetime] | None = None
    for start, end in _spans(cal, tz, first, min(last, _LAST_DAY)):
        if end <= start:
            continue  # the whole span fell into a gap where the clocks jumped forward
        if current is not None and start <= current[1]:
            current = (current[0], max(current[1], end))
            continue
        if current is not None:
            yield current
        current = (start, end)
    if current is not None:
        yield current


def _spans(
    cal: Calendar, tz: ZoneInfo, first: date, last: date
) -> Iterator[tuple[datetime, datetime]]:
    """Each day's hours as instants, ordered by start. In a week that is open (or closed) all
    the time, the ordinary days between two special dates are passed in one step."""
    day = first
    while day <= last:
        if cal._constant is not None and day not in cal._special:
            i = bisect_right(cal._special_days, day)
            stop = last + _ONE_DAY
            if i < len(cal._special_days):
                stop = min(stop, cal._special_days[i])
            if cal._constant:
                yield _instant(tz, day, 0), _instant(tz, stop, 0)
            day = stop
            continue
        for start, end in cal.hours(day):
            yield _instant(tz, day, start), _instant(tz, day, end)
        day += _ONE_DAY


def _instant(tz: ZoneInfo, day: date, minutes: int) -> datetime:
    """The first instant at which the local clock reads `minutes` after the day's midnight, or
    later (see the module docstring)."""
    if minutes >= MINUTES_PER_DAY:
        day, minutes = day + _ONE_DAY, minutes - MINUTES_PER_DAY
    wall = datetime.combine(day, _CLOCK[minutes])
    # fold=0 gives the offset in force before a change of the clocks, fold=1 the one after
    before = tz.utcoffset(wall) or timedelta()
    after = tz.utcoffset(datetime.combine(day, _CLOCK_FOLD[minutes])) or timedelta()
    if before >= after:  # an ordinary time, or the first of two (the clocks go back)
        return wall - before
    return _jump(tz, wall - after, wall - before, after)


def _jump(tz: ZoneInfo, low: datetime, high: datetime, after: timedelta) -> datetime:
    """The instant the clocks jumped forward, between the UTC times low and high."""
    lo = int(_aware(low).timestamp())
    hi = int(_aware(high).timestamp())
    while hi - lo > 1:  # transitions fall on whole seconds
        mid = (lo + hi) // 2
        if datetime.fromtimestamp(mid, tz).utcoffset() == after:
            hi = mid
        else:
            lo = mid
    return datetime.fromtimestamp(hi, UTC).replace(tzinfo=None)
