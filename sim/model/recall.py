"""Recall state of each patient: where they are in the invitation cycle, and when they are due.

Only :class:`~sim.model.desk.RecallDesk` changes these arrays, through its named
transitions; regimes read them to decide.

The cycle::

    IDLE --invite--> INVITED --answer--> BOOKED --see--> IDLE (reviewed; next due set)
                        |  ^                 |
                      chase |              did not attend
                        v  |                 v
              another letter, a phone      INVITED --> (as chase)
              contact, or defer/except --> IDLE
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np

from sim.engine.clock import DAYS_PER_YEAR, NEVER
from sim.vocabulary import CONDITIONS

INVITATION_LOG = 3
"""Invitation days remembered per patient: enough for QOF's "three invitations in the preceding 12 months"."""


class Status(IntEnum):
    """Where a patient is in the recall cycle."""

    IDLE = 0
    """Not in a cycle: waiting until due."""
    INVITED = 1
    """Invited (letter sent, or phone contact pending); no appointment yet."""
    BOOKED = 2
    """Waiting for a review appointment."""


IDLE, INVITED, BOOKED = (int(status) for status in Status)
"""The statuses as plain integers, for array comparisons and writes (NumPy converts an enum member slowly)."""


class Pending(IntEnum):
    """The one thing pending on ``RecallState.action_day`` for an invited patient."""

    NONE = 0
    ANSWER = 1
    """The patient's answer to the last letter arrives."""
    CHASE = 2
    """No answer came: the regime decides what follows."""


NO_ACTION = np.iinfo(np.int32).max
"""``action_day`` of a patient with nothing pending."""


class RecallState:
    """Per-patient recall arrays (one row per patient of the practice)."""

    def __init__(self, n: int) -> None:
        k = len(CONDITIONS)
        self.status = np.full(n, Status.IDLE, dtype=np.int8)
        self.due = np.zeros((n, k), dtype=np.int32)
        """Day each register condition is next due for review."""
        self.planned = np.zeros((n, k), dtype=np.int32)
        """Day each condition's review was planned for when the plan was made: on joining,
        at diagnosis, or at the last review. Unlike ``due``, deferring a non-responder
        does not move it, so a review later than planned can be seen."""
        self.cover = np.zeros((n, k), dtype=bool)
        """Conditions the current invitation is for."""
        self.priority = np.zeros(n, dtype=bool)
        self.letters = np.zeros(n, dtype=np.int8)
        """Letters sent in the current cycle."""
        self.letters_total = np.zeros(n, dtype=np.int32)
        self.invited_days = np.full((n, INVITATION_LOG), NEVER, dtype=np.int32)
        """Days of the patient's last invitations (letters), most recent first, across cycles."""
        self.action_day = np.full(n, NO_ACTION, dtype=np.int32)
        self.action = np.full(n, Pending.NONE, dtype=np.int8)

    def idle(self) -> np.ndarray:
        """Patients not in a recall cycle."""
        return self.status == Status.IDLE

    def invitations_in_year(self, ids: np.ndarray, day: int) -> np.ndarray:
        """Invitations each patient had in the 12 months up to ``day`` (counted up to ``INVITATION_LOG``)."""
        return (self.invited_days.take(ids, 0) > day - DAYS_PER_YEAR).sum(axis=1)

    def reset(self, rows: np.ndarray) -> None:
        """Blank state for rows taken by new registrants."""
        self.status[rows] = Status.IDLE
        self.due[rows] = 0
        self.planned[rows] = 0
        self.cover[rows] = False
        self.priority[rows] = False
        self.letters[rows] = 0
        self.letters_total[rows] = 0
        self.invited_days[rows] = NEVER
        self.action_day[rows] = NO_ACTION
        self.action[rows] = Pending.NONE
