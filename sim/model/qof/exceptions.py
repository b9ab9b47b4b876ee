"""Exception reporting criteria A to I (QOF guidance, section 2; EVIDENCE.md Part 2 §2a).

A  did not attend after at least three invitations in the preceding 12 months (register)
B  review inappropriate: terminal illness, extreme frailty (register)
C  newly diagnosed or registered: measurements within 3 months, clinical standards
   within 9 months (computed at the year end, never coded: :mod:`achievement`)
D  maximum tolerated therapy, still above target (indicator)
E  treatment contraindicated (indicator)
F  treatment not tolerated (indicator)
G  informed dissent (register; flu vaccination declined: indicator)
H  supervening condition makes the standard inappropriate (indicator)
I  investigative or secondary-care service unavailable (indicator)

Codes are entered during the year (the recall desk writes them); achievement counts
them numerator first, so a patient who meets the indicator counts whatever is coded.
"""

from __future__ import annotations

from enum import IntEnum


class Reason(IntEnum):
    NONE = 0
    A = 1
    B = 2
    C = 3
    D = 4
    E = 5
    F = 6
    G = 7
    H = 8
    I = 9  # noqa: E741


GROUP = {
    Reason.A: "logistical", Reason.C: "logistical", Reason.I: "logistical",
    Reason.G: "dissent",
    Reason.D: "clinical", Reason.E: "clinical", Reason.F: "clinical", Reason.H: "clinical",
    Reason.B: "unsuitable",
}
"""Doran et al., BMJ 2012's groups of reasons (logistical 40.6%, informed dissent 30.1%,
clinical contraindication 18.7% of exceptions, 2008/09); B (patient unsuitable) is kept apart."""

GROUPS: tuple[str, ...] = ("logistical", "dissent", "clinical", "unsuitable")

A_INVITATIONS = 3
"""Criterion A: at least three invitations in the preceding 12 months."""
