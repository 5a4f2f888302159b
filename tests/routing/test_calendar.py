"""Business-hours calendars: examples around weekends, holidays and changes of the clocks, the
validation messages, and invariants that must hold for any calendar, zone and instant."""

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given, reject, settings
from hypothesis import strategies as st

from omniline.kit.errors import InvalidInput
from omniline.routing.calendar import (
    ALWAYS_OPEN,
    DAYS,
    Calendar,
    add_open_time,
    calendar_doc,
    is_open,
    next_change,
    open_seconds_between,
    parse_calendar,
)

WARSAW = ZoneInfo("Europe/Warsaw")
NEW_YORK = ZoneInfo("America/New_York")
NINE_TO_SIX = {day: [["09:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}
HOUR = 3600.0


def local(
    tz: ZoneInfo, year: int, month: int, day: int, hour: int = 0, minute: int = 0, *, fold: int = 0
) -> datetime:
    """An instant given by its local wall time, returned in UTC."""
    return datetime(year, month, day, hour, minute, tzinfo=tz, fold=fold).astimezone(UTC)


def cal(**doc: Any) -> Calendar:
    return parse_calendar(doc)


def day_hours(c: Calendar, tz: ZoneInfo, day: date) -> float:
    """Open hours from one local midnight to the next."""
    start = datetime.combine(day, time(), tz).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(), tz).astimezone(UTC)
    return open_seconds_between(c, tz, start, end) / HOUR


# --- examples ---------------------------------------------------------------------------------


def test_weekday_hours_are_half_open() -> None:
    c = cal(week=NINE_TO_SIX)
    assert not is_open(c, WARSAW, local(WARSAW, 2026, 6, 3, 8, 59))
    assert is_open(c, WARSAW, local(WARSAW, 2026, 6, 3, 9))
    assert is_open(c, WARSAW, local(WARSAW, 2026, 6, 3, 17, 59))
    assert not is_open(c, WARSAW, local(WARSAW, 2026, 6, 3, 18))
    assert next_change(c, WARSAW, local(WARSAW, 2026, 6, 3, 9)) == local(WARSAW, 2026, 6, 3, 18)


def test_weekend_is_closed_when_missing_from_the_week() -> None:
    c = cal(week=NINE_TO_SIX)
    friday_evening = local(WARSAW, 2026, 6, 5, 18)
    assert not is_open(c, WARSAW, local(WARSAW, 2026, 6, 6, 12))
    assert next_change(c, WARSAW, friday_evening) == local(WARSAW, 2026, 6, 8, 9)
    # an SLA of 2 business hours asked for on Friday at 17:00 falls due on Monday at 10:00
    asked = local(WARSAW, 2026, 6, 5, 17)
    assert add_open_time(c, WARSAW, asked, 2 * HOUR) == local(WARSAW, 2026, 6, 8, 10)
    assert open_seconds_between(c, WARSAW, asked, local(WARSAW, 2026, 6, 8, 10)) == 2 * HOUR


def test_holiday_closes_the_whole_day() -> None:
    c = cal(week=NINE_TO_SIX, holidays=["2026-12-25"])
    assert not is_open(c, WARSAW, local(WARSAW, 2026, 12, 25, 12))
    assert next_change(c, WARSAW, local(WARSAW, 2026, 12, 24, 18)) == local(WARSAW, 2026, 12, 28, 9)
    assert day_hours(c, WARSAW, date(2026, 12, 24)) == 9


def test_override_replaces_the_weekday_hours() -> None:
    c = cal(
        week=NINE_TO_SIX,
        overrides={"2026-12-24": [["09:00", "13:00"]], "2026-12-31": [], "2026-12-27": []},
    )
    assert day_hours(c, WARSAW, date(2026, 12, 24)) == 4
    assert not is_open(c, WARSAW, local(WARSAW, 2026, 12, 24, 14))
    assert day_hours(c, WARSAW, date(2026, 12, 31)) == 0
    opened = cal(week=NINE_TO_SIX, overrides={"2026-12-27": [["10:00", "12:00"]]})
    assert is_open(opened, WARSAW, local(WARSAW, 2026, 12, 27, 11))  # a Sunday


def test_overnight_span_belongs_to_the_day_it_starts() -> None:
    week = {"fri": [["22:00", "06:00"]]}
    c = cal(week=week)
    assert is_open(c, WARSAW, local(WARSAW, 2026, 6, 6, 3))  # Saturday night
    assert next_change(c, WARSAW, local(WARSAW, 2026, 6, 5, 23)) == local(WARSAW, 2026, 6, 6, 6)
    assert day_hours(c, WARSAW, date(2026, 6, 5)) == 2
    # a holiday on the Saturday leaves Friday's night alone; one on the Friday cancels it
    saturday_night = local(WARSAW, 2026, 6, 6, 3)
    assert is_open(cal(week=week, holidays=["2026-06-06"]), WARSAW, saturday_night)
    assert not is_open(cal(week=week, holidays=["2026-06-05"]), WARSAW, saturday_night)


def test_midnight_is_not_a_change_when_hours_run_on() -> None:
    c = cal(week={"mon": [["18:00", "24:00"]], "tue": [["00:00", "02:00"]]})
    monday = local(WARSAW, 2026, 6, 1, 19)
    assert next_change(c, WARSAW, monday) == local(WARSAW, 2026, 6, 2, 2)
    assert is_open(c, WARSAW, local(WARSAW, 2026, 6, 2, 0))
    whole_day = cal(week={"wed": [["00:00", "24:00"]]})
    assert day_hours(whole_day, WARSAW, date(2026, 6, 3)) == 24


def test_doc_is_normalised() -> None:
    c = cal(
        week={"mon": [["12:00", "14:00"], ["09:00", "12:30"], ["22:00", "00:00"]]},
        holidays=["2026-12-26", "2026-12-25", "2026-12-25"],
    )
    doc = calendar_doc(c)
    assert doc["week"]["mon"] == [["09:00", "14:00"], ["22:00", "24:00"]]
    assert doc["week"]["sun"] == []
    assert doc["holidays"] == ["2026-12-25", "2026-12-26"]
    assert "overrides" not in doc
    assert calendar_doc(cal()) == {}
    assert calendar_doc(cal(week={d: [["00:00", "24:00"]] for d in DAYS})) == {}
    assert parse_calendar(doc) == c


def test_always_open_and_never_open() -> None:
    at = local(WARSAW, 2026, 3, 29, 2, 30)
    assert is_open(ALWAYS_OPEN, WARSAW, at)
    assert next_change(ALWAYS_OPEN, WARSAW, at) is None
    assert add_open_time(ALWAYS_OPEN, WARSAW, at, 1000 * 86400) == at + timedelta(days=1000)
    never = cal(week={})
    assert not is_open(never, WARSAW, at)
    assert next_change(never, WARSAW, at) is None
    assert add_open_time(never, WARSAW, at, 1) is None
    assert add_open_time(never, WARSAW, at, 0) == at
    assert open_seconds_between(never, WARSAW, at, at + timedelta(days=30)) == 0


def test_open_calendar_with_holidays_closes_on_them() -> None:
    c = cal(holidays=["2026-12-25"])
    at = local(WARSAW, 2026, 12, 20, 12)
    assert next_change(c, WARSAW, at) == local(WARSAW, 2026, 12, 25, 0)
    assert next_change(c, WARSAW, local(WARSAW, 2026, 12, 25, 0)) == local(WARSAW, 2026, 12, 26, 0)
    assert next_change(c, WARSAW, local(WARSAW, 2026, 12, 26, 0)) is None
    assert add_open_time(c, WARSAW, local(WARSAW, 2026, 12, 24, 23), 2 * HOUR) == local(
        WARSAW, 2026, 12, 26, 1
    )


def test_far_future_special_day_is_found_past_empty_weeks() -> None:
    c = cal(week={}, overrides={"2027-06-01": [["09:00", "10:00"]]})
    at = local(WARSAW, 2026, 7, 1, 12)
    assert next_change(c, WARSAW, at) == local(WARSAW, 2027, 6, 1, 9)
    assert add_open_time(c, WARSAW, at, 60) == local(WARSAW, 2027, 6, 1, 9, 1)
    too_far = cal(week={}, overrides={"2028-06-01": [["09:00", "10:00"]]})
    assert next_change(too_far, WARSAW, at) is None  # beyond the 400-day horizon


# --- changes of the clocks --------------------------------------------------------------------


def test_warsaw_spring_forward_day_is_an_hour_shorter() -> None:
    # 2026-03-29: at 02:00 the clocks jump to 03:00
    sunday = date(2026, 3, 29)
    assert day_hours(cal(week={"sun": [["00:00", "24:00"]]}), WARSAW, sunday) == 23
    assert day_hours(cal(week={"sun": [["01:00", "05:00"]]}), WARSAW, sunday) == 3
    # hours inside the missing hour never happen; a time in it means the instant of the jump
    swallowed = cal(week={"sun": [["02:15", "02:45"]]})
    assert day_hours(swallowed, WARSAW, sunday) == 0
    assert next_change(swallowed, WARSAW, local(WARSAW, 2026, 3, 28, 12)) == local(
        WARSAW, 2026, 4, 5, 2, 15
    )
    late = cal(week={"sun": [["02:30", "06:00"]]})
    assert next_change(late, WARSAW, local(WARSAW, 2026, 3, 28, 12)) == local(
        WARSAW, 2026, 3, 29, 3
    )
    assert day_hours(late, WARSAW, sunday) == 3


def test_warsaw_fall_back_day_is_an_hour_longer() -> None:
    # 2026-10-25: at 03:00 the clocks go back to 02:00, so 02:00-03:00 happens twice
    sunday = date(2026, 10, 25)
    assert day_hours(cal(week={"sun": [["00:00", "24:00"]]}), WARSAW, sunday) == 25
    # an ambiguous time means its first occurrence
    c = cal(week={"sun": [["02:30", "04:00"]]})
    opens = next_change(c, WARSAW, local(WARSAW, 2026, 10, 24, 12))
    assert opens == local(WARSAW, 2026, 10, 25, 2, 30, fold=0)
    assert opens == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert is_open(c, WARSAW, local(WARSAW, 2026, 10, 25, 2, 10, fold=1))
    assert day_hours(c, WARSAW, sunday) == 2.5


def test_weekday_hours_over_a_change_of_the_clocks() -> None:
    c = cal(week=NINE_TO_SIX)
    asked = local(WARSAW, 2026, 3, 27, 17)
    due = add_open_time(c, WARSAW, asked, 2 * HOUR)
    assert due == local(WARSAW, 2026, 3, 30, 10)
    assert due == datetime(2026, 3, 30, 8, tzinfo=UTC)
    assert is_open(c, WARSAW, datetime(2026, 10, 26, 8, tzinfo=UTC))  # 09:00 CET


def test_new_york() -> None:
    c = cal(week={**NINE_TO_SIX, "sat": [["22:00", "06:00"]]})
    # 2026-03-08: 02:00 EST jumps to 03:00 EDT inside Saturday night's span
    noon = local(NEW_YORK, 2026, 3, 7, 12)
    assert open_seconds_between(c, NEW_YORK, noon, noon + timedelta(days=1)) == 7 * HOUR
    assert next_change(c, NEW_YORK, local(NEW_YORK, 2026, 3, 7, 23)) == datetime(
        2026, 3, 8, 10, tzinfo=UTC
    )
    # 2026-11-01: 02:00 EDT goes back to 01:00 EST
    noon = local(NEW_YORK, 2026, 10, 31, 12)
    assert open_seconds_between(c, NEW_YORK, noon, noon + timedelta(days=1)) == 9 * HOUR
    assert is_open(c, NEW_YORK, datetime(2026, 3, 9, 13, 30, tzinfo=UTC))  # 09:30 EDT
    assert not is_open(c, NEW_YORK, datetime(2026, 3, 6, 13, 30, tzinfo=UTC))  # 08:30 EST


def test_naive_datetimes_and_negative_seconds_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        is_open(ALWAYS_OPEN, WARSAW, datetime(2026, 1, 1))
    with pytest.raises(ValueError, match="negative"):
        add_open_time(ALWAYS_OPEN, WARSAW, datetime(2026, 1, 1, tzinfo=UTC), -1)


# --- validation -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        (["mon"], "must be a JSON object"),
        ({"weeks": {}}, "unknown key 'weeks'"),
        ({"week": []}, "week must be an object"),
        ({"week": {"monday": []}}, "unknown day 'monday'"),
        ({"week": {"mon": ["09:00", "18:00"]}}, r"week\.mon\[0\]: a span is a pair"),
        ({"week": {"mon": [["09:00"]]}}, "a span is a pair"),
        ({"week": {"mon": "09:00-18:00"}}, "expected a list of spans"),
        ({"week": {"mon": [["9:00", "18:00"]]}}, "'9:00' is not a time of day"),
        ({"week": {"mon": [["09:00", "24:30"]]}}, "'24:30' is not a time of day"),
        ({"week": {"mon": [["24:00", "06:00"]]}}, '"24:00" can only end a span'),
        ({"week": {"mon": [["09:00", "09:00"]]}}, "starts and ends at 09:00"),
        (
            {"week": {"mon": [["00:00", "24:00"], ["22:00", "02:00"]]}},
            "24 hours or more from 00:00",
        ),
        ({"holidays": "2026-12-25"}, "holidays must be a list"),
        ({"holidays": ["2026-13-01"]}, r"holidays\[0\]: '2026-13-01' is not a date"),
        ({"holidays": ["20261225"]}, "is not a date in YYYY-MM-DD form"),
        ({"overrides": []}, "overrides must be an object"),
        ({"overrides": {"24 Dec": []}}, "'24 Dec' is not a date"),
        (
            {"holidays": ["2026-12-24"], "overrides": {"2026-12-24": []}},
            "both a holiday and an override",
        ),
    ],
)
def test_invalid_calendars_say_what_to_fix(doc: Any, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        parse_calendar(doc)


# --- invariants -------------------------------------------------------------------------------

ZONES = [
    ZoneInfo(name)
    for name in (
        "UTC",
        "Europe/Warsaw",
        "America/New_York",
        "Australia/Lord_Howe",  # the clocks move by 30 minutes
        "America/Sao_Paulo",  # in 2018-2019 the clocks changed at midnight
        "Asia/Kathmandu",
    )
]
CHANGE_DAYS = [
    date(2026, 3, 29),
    date(2026, 10, 25),
    date(2026, 3, 8),
    date(2026, 11, 1),
    date(2026, 4, 5),
    date(2026, 10, 4),
    date(2018, 11, 4),
    date(2019, 2, 16),
]
QUARTERS = st.integers(0, 95).map(lambda q: f"{q // 4:02d}:{q % 4 * 15:02d}")
SPANS = st.lists(
    st.tuples(QUARTERS, st.one_of(QUARTERS, st.just("24:00")))
    .filter(lambda p: p[0] != p[1])
    .map(list),
    max_size=3,
)
BUSINESS = st.just(NINE_TO_SIX)
zones = st.sampled_from(ZONES)


@st.composite
def instants(draw: st.DrawFn) -> datetime:
    """Instants near a change of the clocks somewhere, or anywhere in 2018-2027."""
    day = draw(
        st.one_of(st.sampled_from(CHANGE_DAYS), st.dates(date(2018, 1, 1), date(2027, 12, 31)))
    )
    seconds = draw(st.integers(-3 * 86400, 3 * 86400))
    return datetime.combine(day, time(), UTC) + timedelta(seconds=seconds)


@st.composite
def calendars(draw: st.DrawFn, near: date) -> Calendar:
    """Calendars whose special days fall near `near`, so that they matter."""
    doc: dict[str, Any] = {}
    if draw(st.integers(0, 4)):  # mostly a real week; otherwise open all week
        doc["week"] = draw(st.one_of(BUSINESS, st.dictionaries(st.sampled_from(DAYS), SPANS)))
    dates = st.integers(-3, 20).map(lambda k: (near + timedelta(days=k)).isoformat())
    overrides = draw(st.dictionaries(dates, SPANS, max_size=3))
    doc["overrides"] = overrides
    doc["holidays"] = [d for d in draw(st.lists(dates, max_size=3)) if d not in overrides]
    try:
        return parse_calendar(doc)
    except InvalidInput:
        reject()


@st.composite
def situations(draw: st.DrawFn) -> tuple[Calendar, ZoneInfo, datetime]:
    at = draw(instants())
    return draw(calendars(at.date())), draw(zones), at


def wall_time_is_open(c: Calendar, tz: ZoneInfo, at: datetime) -> bool:
    """Reference: compare local wall times with each span (true away from clock changes)."""
    wall = at.astimezone(tz).replace(tzinfo=None)
    for day in (wall.date() - timedelta(days=1), wall.date()):
        midnight = datetime.combine(day, time())
        for start, end in c.hours(day):
            if midnight + timedelta(minutes=start) <= wall < midnight + timedelta(minutes=end):
                return True
    return False


@settings(max_examples=150, deadline=None)
@given(situations())
def test_is_open_matches_wall_clock_reference_away_from_clock_changes(
    situation: tuple[Calendar, ZoneInfo, datetime],
) -> None:
    c, tz, at = situation
    offsets = {(at + timedelta(hours=h)).astimezone(tz).utcoffset() for h in range(-50, 51, 2)}
    assume(len(offsets) == 1)
    assert is_open(c, tz, at) == wall_time_is_open(c, tz, at)


@settings(max_examples=150, deadline=None)
@given(situations())
def test_is_open_is_constant_between_changes(
    situation: tuple[Calendar, ZoneInfo, datetime],
) -> None:
    c, tz, at = situation
    state = is_open(c, tz, at)
    for _ in range(4):
        change = next_change(c, tz, at)
        if change is None:
            for days in (1, 7, 30):
                assert is_open(c, tz, at + timedelta(days=days)) == state
            return
        assert change > at
        for point in (
            at + (change - at) / 3,
            at + (change - at) / 2,
            change - timedelta(microseconds=1),
        ):
            assert is_open(c, tz, point) == state
        assert is_open(c, tz, change) != state
        at, state = change, not state


@settings(max_examples=150, deadline=None)
@given(situations(), st.floats(0, 10 * 86400))
def test_add_open_time_round_trips(
    situation: tuple[Calendar, ZoneInfo, datetime], seconds: float
) -> None:
    c, tz, start = situation
    due = add_open_time(c, tz, start, seconds)
    if due is not None:
        assert open_seconds_between(c, tz, start, due) == pytest.approx(seconds, abs=1e-5)


@settings(max_examples=100, deadline=None)
@given(situations(), st.floats(0, 5 * 86400), st.floats(0, 5 * 86400))
def test_add_open_time_is_monotonic(
    situation: tuple[Calendar, ZoneInfo, datetime], s1: float, s2: float
) -> None:
    c, tz, start = situation
    low, high = add_open_time(c, tz, start, min(s1, s2)), add_open_time(c, tz, start, max(s1, s2))
    if low is None:
        assert high is None
    elif high is not None:
        assert low <= high


@settings(max_examples=100, deadline=None)
@given(situations(), st.integers(0, 5 * 86400), st.integers(0, 5 * 86400))
def test_open_time_adds_up(
    situation: tuple[Calendar, ZoneInfo, datetime], d1: int, d2: int
) -> None:
    c, tz, a = situation
    m = a + timedelta(seconds=d1)
    b = m + timedelta(seconds=d2)
    whole = open_seconds_between(c, tz, a, b)
    assert whole == pytest.approx(
        open_seconds_between(c, tz, a, m) + open_seconds_between(c, tz, m, b)
    )
    assert 0 <= whole <= (b - a).total_seconds()


@settings(max_examples=100, deadline=None)
@given(zones, instants(), st.floats(0, 2000 * 86400))
def test_always_open_adds_plainly(tz: ZoneInfo, start: datetime, seconds: float) -> None:
    due = add_open_time(ALWAYS_OPEN, tz, start, seconds)
    assert due == start + timedelta(seconds=seconds)
    assert is_open(ALWAYS_OPEN, tz, start)
    assert next_change(ALWAYS_OPEN, tz, start) is None
    assert open_seconds_between(ALWAYS_OPEN, tz, start, due) == pytest.approx(seconds, abs=1e-6)


@settings(max_examples=100, deadline=None)
@given(situations())
def test_doc_round_trips(situation: tuple[Calendar, ZoneInfo, datetime]) -> None:
    c, _, _ = situation
    assert parse_calendar(calendar_doc(c)) == c
