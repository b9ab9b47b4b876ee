"""Appointment books: clinician minutes are never exceeded, requests are served first
come first served and split when a day runs out, stale acute requests lapse,
part-time staff work whole days."""

from __future__ import annotations

from collections import deque

import numpy as np
import pytest
import simpy
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.engine.capacity import ACUTE, REVIEW, AppointmentBook, Request


def book(fte: float = 1.0, minutes: float = 100.0) -> AppointmentBook:
    return AppointmentBook(simpy.Environment(), 0, fte, minutes)


def review(day: int, ids: list[int], minutes: float | list[float] = 10.0, priority: bool = False) -> Request:
    mins = np.full(len(ids), float(minutes)) if np.isscalar(minutes) else np.asarray(minutes, dtype=float)
    return Request(day, REVIEW, None, mins, np.asarray(ids), priority, pids=np.asarray(ids) + 1000)


def acute(day: int, count: int, unit: float = 10.0) -> Request:
    return Request(day, ACUTE, None, count=count, unit=unit)


def seen_ids(seen: list[Request]) -> list[int]:
    return [int(i) for r in seen if r.ids is not None for i in r.ids]


# ---------------------------------------------------------------- take
def test_take_within_free_reduces_free():
    """Booking minutes takes them from today's free time."""
    b = book(minutes=100)
    b.open_day()
    b.take(30)
    assert b.free == pytest.approx(70)


def test_take_beyond_free_raises():
    """Booking more minutes than are left today is an error, not an overrun."""
    b = book(minutes=100)
    b.open_day()
    b.take(60)
    with pytest.raises(RuntimeError):
        b.take(41)


def test_take_before_open_raises():
    """No minutes can be booked on a day whose sessions have not opened."""
    b = book()
    with pytest.raises(RuntimeError):
        b.take(1)


def test_idle_minutes_do_not_carry_over():
    """Minutes not used today are gone tomorrow (the day's supply is refilled, not added)."""
    b = book(minutes=100)
    b.open_day()
    b.take(10)
    b.close_day()
    b.open_day()
    assert b.free == pytest.approx(100)
    assert b.pool.level == pytest.approx(100)
    assert b.total_supplied == pytest.approx(200)
    assert b.total_used == pytest.approx(10)


def test_close_day_counts_used_minutes():
    """total_used sums the minutes booked across days."""
    b = book(minutes=100)
    for used in (20, 100, 0, 55.5):
        b.open_day()
        b.take(used)
        b.close_day()
    assert b.total_used == pytest.approx(175.5)
    assert b.total_supplied == pytest.approx(400)


def test_extra_share_adds_sessions():
    """open_day(extra_share) supplies that share more minutes."""
    b = book(fte=2, minutes=100)
    b.open_day(extra_share=0.25)
    assert b.free == pytest.approx(250)


# ----------------------------------------------------------------- serving
def test_first_come_first_served():
    """Requests are seen in the order they were booked, while minutes last."""
    b = book(minutes=45)
    for day, ids in enumerate([[1, 2], [3], [4, 5]]):
        b.book(review(day, ids))
    b.open_day()
    seen, gave_up = b.serve(today=3, max_wait_days=28)
    assert seen_ids(seen) == [1, 2, 3, 4]
    assert gave_up == []
    assert b.waiting(REVIEW) == 1


def test_priority_requests_go_first():
    """Priority requests (a year-end push) are served before the ordinary queue, even if booked later."""
    b = book(minutes=20)
    b.book(review(0, [1, 2]))
    b.book(review(1, [9], priority=True))
    b.open_day()
    seen, _ = b.serve(today=1, max_wait_days=28)
    assert seen_ids(seen) == [9, 1]


def test_partial_request_is_split_and_rest_waits():
    """A request larger than the day's minutes is split: its first patients are seen, the rest wait."""
    b = book(minutes=35)
    b.book(review(0, [10, 11, 12, 13, 14]))
    b.open_day()
    seen, _ = b.serve(today=0, max_wait_days=28)
    assert seen_ids(seen) == [10, 11, 12]
    assert b.waiting(REVIEW) == 2
    b.close_day()
    b.open_day()
    seen, _ = b.serve(today=1, max_wait_days=28)
    assert seen_ids(seen) == [13, 14]
    assert seen[0].day == 0  # the wait is measured from the original booking
    assert b.waiting(REVIEW) == 0


def test_uneven_minutes_fit_in_order():
    """Patients are taken in order until the next one does not fit; nobody jumps the queue."""
    b = book(minutes=30)
    b.book(review(0, [1, 2, 3], minutes=[10, 25, 5]))
    b.open_day()
    seen, _ = b.serve(today=0, max_wait_days=28)
    assert seen_ids(seen) == [1]
    assert b.waiting(REVIEW) == 2


def test_minutes_left_when_the_head_does_not_fit_stay_idle():
    """Minutes that no waiting appointment fits stay free (idle), and total_used counts only minutes seen."""
    b = book(minutes=30)
    b.book(review(0, [1, 2, 3], minutes=[10, 25, 5]))
    b.open_day()
    b.serve(today=0, max_wait_days=28)
    assert b.free == pytest.approx(20)
    b.close_day()
    assert b.total_used == pytest.approx(10)


def test_acute_count_request_split():
    """Acute routine demand (a count of equal appointments) is split by whole appointments."""
    b = book(minutes=95)
    b.book(acute(0, 12, unit=10))
    b.open_day()
    seen, _ = b.serve(today=0, max_wait_days=28)
    assert sum(r.count for r in seen) == 9
    assert b.waiting(ACUTE) == 3


def test_stale_acute_requests_are_dropped():
    """Acute requests waiting longer than max_wait_days lapse (exactly max_wait_days still waits)."""
    b = book(minutes=10)
    b.book(acute(0, 4))
    b.book(acute(5, 2))
    b.open_day()
    seen, gave_up = b.serve(today=10, max_wait_days=10)
    assert gave_up == []
    assert [(r.day, r.count) for r in seen] == [(0, 1)]
    b.close_day()
    b.open_day()
    seen, gave_up = b.serve(today=11, max_wait_days=10)
    assert [(r.day, r.count) for r in gave_up] == [(0, 3)]
    assert [(r.day, r.count) for r in seen] == [(5, 1)]


def test_stale_reviews_never_lapse():
    """Long-term-condition reviews wait however long it takes; only acute requests lapse."""
    b = book(minutes=10)
    b.book(review(0, [1, 2]))
    b.open_day()
    seen, gave_up = b.serve(today=400, max_wait_days=10)
    assert gave_up == []
    assert seen_ids(seen) == [1]


def test_stale_acute_requests_lapse_on_a_day_with_no_free_minutes():
    """Stale acute requests lapse even on a day whose minutes are all taken."""
    b = book(minutes=10)
    b.book(acute(0, 4))
    b.open_day()
    b.take(10)  # same-day demand used the whole day
    seen, gave_up = b.serve(today=11, max_wait_days=10)
    assert seen == []
    assert [r.count for r in gave_up] == [4]


def test_stale_acute_request_behind_a_review_lapses():
    """An acute request older than max_wait_days lapses even if a review was ahead of it in the queue."""
    b = book(minutes=30)
    b.book(review(0, [1], minutes=20))
    b.book(acute(0, 1, unit=10))
    b.open_day()
    seen, gave_up = b.serve(today=40, max_wait_days=28)
    assert seen_ids(seen) == [1]
    assert all(r.kind != ACUTE for r in seen)
    assert [r.count for r in gave_up] == [1]


def test_request_longer_than_a_day_is_an_error():
    """An appointment that could never fit in one clinician's day is a configuration error, not a silent stall."""
    b = book(minutes=30)
    b.book(review(0, [1], minutes=45))
    b.open_day()
    with pytest.raises(RuntimeError, match="longer than a whole day"):
        b.serve(today=0, max_wait_days=28)


# ---------------------------------------------------------------- part-time
@pytest.mark.parametrize("fte", [0.2, 0.4, 0.5, 0.75, 0.9])
def test_part_time_works_whole_days_on_its_share(fte: float):
    """Under 1 FTE, staff work whole days (full minutes) on ``fte`` of days, spread evenly."""
    b = book(fte=fte, minutes=100)
    supplies = []
    for _ in range(1000):
        b.open_day()
        supplies.append(b.free)
        b.close_day()
    supplies = np.array(supplies)
    assert set(np.unique(supplies)) <= {0.0, 100.0}
    worked = supplies > 0
    assert abs(worked.sum() - fte * 1000) <= 1
    for start in range(0, 1000, 50):  # evenly spread: every 50-day window has its share
        assert abs(worked[start : start + 50].sum() - fte * 50) <= 1
    assert b.total_supplied == pytest.approx(worked.sum() * 100)


@pytest.mark.parametrize("fte", [1.0, 2.5])
def test_full_time_works_every_day(fte: float):
    """At 1 FTE or more, every working day supplies fte x minutes."""
    b = book(fte=fte, minutes=100)
    for _ in range(5):
        b.open_day()
        assert b.free == pytest.approx(fte * 100)
        b.close_day()


def test_zero_fte_supplies_nothing():
    """A role with no staff has no minutes and sees no one."""
    b = book(fte=0.0, minutes=100)
    b.book(review(0, [1, 2]))
    for day in range(30):
        b.open_day()
        seen, _ = b.serve(today=day, max_wait_days=28)
        assert seen == []
        b.close_day()
    assert b.total_supplied == 0
    assert b.waiting(REVIEW) == 2


# ---------------------------------------------------------------- property
request_st = st.one_of(
    st.tuples(st.just("review"), st.lists(st.floats(1, 60), min_size=1, max_size=8), st.booleans()),
    st.tuples(st.just("acute"), st.integers(1, 20), st.floats(1, 60)),
)


@settings(max_examples=150, deadline=None)
@given(
    fte=st.floats(0.0, 3.0),
    minutes_per_fte_day=st.floats(60, 400),
    schedule=st.lists(st.lists(request_st, max_size=4), min_size=1, max_size=15),
    same_day=st.lists(st.floats(0, 1), min_size=15, max_size=15),
    max_wait=st.integers(1, 10),
)
def test_served_never_exceeds_supply_and_nothing_is_lost(fte, minutes_per_fte_day, schedule, same_day, max_wait):
    """Each day minutes served <= minutes supplied; every requested appointment is served, waiting or lapsed."""
    b = book(fte=fte, minutes=minutes_per_fte_day)
    requested_n = requested_min = 0.0
    served_n = served_min = lapsed_n = lapsed_min = 0.0
    days = len(schedule) + 10
    for day in range(days):
        for spec in schedule[day] if day < len(schedule) else []:
            if spec[0] == "review":
                _, mins, prio = spec
                ids = list(range(len(mins)))
                r = review(day, ids, mins, priority=prio)
                requested_n += len(mins)
                requested_min += sum(mins)
            else:
                _, count, unit = spec
                r = acute(day, count, unit)
                requested_n += count
                requested_min += count * unit
            b.book(r)
        b.open_day()
        supply = b.free
        # some same-day work first, as practices do
        b.take(supply * same_day[day % len(same_day)])
        before = b.free
        seen, gave_up = b.serve(today=day, max_wait_days=max_wait)
        today_min = sum(r.count * r.unit if r.ids is None else float(r.minutes.sum()) for r in seen)
        assert today_min <= before + 1e-6
        assert b.free >= 0
        served_n += sum(r.size for r in seen)
        served_min += today_min
        lapsed_n += sum(r.size for r in gave_up)
        lapsed_min += sum(r.count * r.unit for r in gave_up)
        assert all(r.kind == ACUTE and day - r.day > max_wait for r in gave_up)
        b.close_day()
    waiting = [r for q in vars(b).values() if isinstance(q, deque) for r in q]  # every queue the book keeps
    waiting_n = sum(r.size for r in waiting)
    waiting_min = sum(r.count * r.unit if r.ids is None else float(r.minutes.sum()) for r in waiting)
    assert waiting_n == b.waiting(ACUTE) + b.waiting(REVIEW)
    assert served_n + waiting_n + lapsed_n == requested_n
    assert served_min + waiting_min + lapsed_min == pytest.approx(requested_min)
    assert b.total_used <= b.total_supplied + 1e-6


def test_previous_working_day_is_the_threshold_for_being_seen_by_the_next_working_day():
    """Asked on day a, seen on day d: by the next working day exactly when a is on or after the last working day before d."""
    from sim.engine.clock import is_working_day, next_working_day, previous_working_day

    for day in range(0, 70):
        before = previous_working_day(day)
        assert before < day and is_working_day(before)
        assert all(not is_working_day(d) for d in range(before + 1, day))
        for asked in range(day - 14, day + 1):
            assert (day <= next_working_day(asked)) == (asked >= before), (asked, day)
