"""Administrative time as work: the generic mechanism any regime can use (sim/model/admin.py)."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import QOF, cached_run
from sim.config.contract import AdminSpec, AdminTask, ScheduledAdmin
from sim.measures.summary import headline
from sim.model.admin import AdminClerk, calendar, scheduled_work
from sim.model.ledger import Ledger

ROLES = ("gp", "nurse", "hca")


def clerk(**per_unit: list[AdminTask]) -> tuple[AdminClerk, Ledger]:
    ledger = Ledger(ROLES)
    return AdminClerk(AdminSpec(per_unit=per_unit), ledger, ROLES), ledger


def admin_totals(ledger: Ledger) -> dict[tuple[str, str], float]:
    activity, _, _ = ledger.flush()
    return {(role, purpose): v for (m, role, _, purpose), v in activity.items() if m == "admin_minutes"}


def test_per_unit_minutes_charged_to_named_role():
    """Each letter costs the stated minutes of the named role, for the stated purpose."""
    c, ledger = clerk(letter=[AdminTask(role="admin", minutes=1.5, purpose="recall")])
    c.count("letter", 10)
    c.count("letter", 4)
    assert admin_totals(ledger) == {("admin", "recall"): pytest.approx(21.0)}


def test_clinician_tasks_go_to_the_role_that_did_the_work():
    """Coding minutes per item land on the role of each review, weighted by items coded."""
    c, ledger = clerk(item_coded=[AdminTask(role="clinician", minutes=0.5, purpose="coding")])
    c.count("item_coded", np.array([3, 0, 2, 4]), np.array([1, 0, 2, 1]))
    assert admin_totals(ledger) == {("nurse", "coding"): pytest.approx(3.5), ("hca", "coding"): pytest.approx(1.0)}


def test_unknown_role_is_a_configuration_error():
    with pytest.raises(ValueError, match="unknown role"):
        clerk(letter=[AdminTask(role="receptionist", minutes=1, purpose="recall")])


def test_scheduled_work_calendar_and_scale():
    """Quarterly work falls every three months from its day; per-1,000 work scales with the list."""
    item = ScheduledAdmin(purpose="reporting", every_months=3, day=10, minutes={"manager": 60, "gp": 30}, per_1000_patients=True)
    days = calendar(item)()
    assert [next(days) for _ in range(5)] == [10, 101, 192, 284, 375]
    work = scheduled_work(item, 7100)
    assert work.minutes == {"manager": pytest.approx(426.0), "gp": pytest.approx(213.0)}


def test_admin_hours_reach_the_headline_and_fall_with_coding():
    """A run counts admin hours by role; recording fewer items means fewer coding hours."""
    rates = {
        "regime.params.admin": {
            "per_unit": {
                "letter": [{"role": "admin", "minutes": 2.0, "purpose": "recall"}],
                "item_coded": [{"role": "clinician", "minutes": 1.0, "purpose": "coding"}],
            },
            "scheduled": [{"purpose": "qof_reporting", "every_months": 12, "day": 5, "minutes": {"manager": 600}}],
        },
        "years": 1,
        "practices.list_size_mean": 1500,
    }
    low = {"lab": 0.3, "measurement": 0.3, "review": 0.3, "advice": 0.3, "care_plan": 0.3}
    full = headline(cached_run(QOF, rates).tables).iloc[0]
    less = headline(cached_run(QOF, {**rates, "regime.params.recording": low}).tables).iloc[0]
    assert full["admin_hours_nonclinical_per_1000_patients"] > 0
    assert full["admin_hours_nurse_per_1000_patients"] > 0
    assert less["admin_hours_nurse_per_1000_patients"] < 0.5 * full["admin_hours_nurse_per_1000_patients"]
    total = sum(full[f"admin_hours_{g}_per_1000_patients"] for g in ("gp", "nurse", "hca", "nonclinical", "federation"))
    assert full["admin_hours_per_1000_patients"] == pytest.approx(total)
