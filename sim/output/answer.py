"""The answer a policy reader wants first: for each regime against the baseline, one
line each on monitoring gaps, workload and outcomes, and the one caveat that matters most.

The report opens with it, its first figure draws it, and ``qofsim compare`` prints it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.experiment.sensitivity import UNCLEAR, conclusion
from sim.output.reader import Comparison, differing, provenance_rows
from sim.output.words import fmt, lower_first, negligible, role_label

BUSY_PCT = 95.0
"""A role booking this share of its session minutes or more makes the result capacity-bound."""


@dataclass(frozen=True)
class Phrase:
    """How a measure is spoken of: ``{value} {noun}``, in units of ``kind`` (pct, hours or count)."""

    noun: str
    kind: str
    short: str
    """A short label, for the figure."""


PHRASES: dict[str, Phrase] = {
    "missed_plan_pct": Phrase("of register patients past the review date their own regime planned (beyond its grace period)", "pct", "Register patients who missed their own review plan, %"),
    "overdue_pct": Phrase("of register patients overdue a review (none for over {overdue} months)", "pct", "Register patients overdue a review, %"),
    "lost_to_follow_up_pct": Phrase("of register patients lost to follow-up (no review for over {lost} months)", "pct", "Register patients lost to follow-up, %"),
    "ltc_hours_per_1000_patients": Phrase("clinician hours a year on long-term conditions per 1,000 patients", "hours", "Clinician hours on long-term conditions\nper 1,000 patients a year"),
    "emergency_admissions_per_1000": Phrase("emergency admissions a year per 1,000 patients (modelled causes)", "count", "Emergency admissions\nper 1,000 patients a year"),
    "deaths_per_1000": Phrase("deaths a year per 1,000 patients", "count", "Deaths per 1,000 patients a year"),
}

QUESTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Monitoring gaps", ("missed_plan_pct", "overdue_pct", "lost_to_follow_up_pct")),
    ("Workload", ("ltc_hours_per_1000_patients",)),
    ("Outcomes", ("emergency_admissions_per_1000", "deaths_per_1000")),
)
"""The three questions, each with the measures that answer it in order of preference."""


@dataclass(frozen=True)
class Line:
    topic: str
    measure: str | None
    text: str
    clear: bool | None = None
    """Whether the difference's interval excludes 0 (None without an interval)."""


@dataclass(frozen=True)
class Answer:
    setting: str
    baseline: str
    """The baseline in words."""
    regimes: list[tuple[str, list[Line]]]
    """Each other scenario in words, with its lines."""
    caveat: str

    @property
    def compared(self) -> bool:
        """Whether there is a baseline to compare with (a single run has only its own levels)."""
        return not (len(self.regimes) == 1 and self.regimes[0][0] == self.baseline)

    @property
    def heading(self) -> str:
        """``Against one typical practice under QOF recall``: the setting and the baseline."""
        if not self.compared:
            return self.baseline
        if self.setting:
            return f"Against {lower_first(self.setting)} {lower_first(self.baseline)}"
        return f"Against the baseline, {lower_first(self.baseline)}"

    def as_text(self) -> str:
        """The answer as plain text, for the terminal."""
        out = [self.heading + ":"]
        for label, lines in self.regimes:
            if self.compared:
                out.append(f"  {label}")
            out += [f"    {line.text}" for line in lines]
        out.append(f"  Caveat: {self.caveat}")
        return "\n".join(out)


def chosen_measures(comp: Comparison) -> list[tuple[str, str | None]]:
    """Each question's topic and the first of its measures this run has, if any."""
    levels = comp.levels()
    present = set(levels.loc[levels["mean"].notna(), "measure"]) if len(levels) else set()
    return [(topic, next((m for m in measures if m in present), None)) for topic, measures in QUESTIONS]


def answer(comp: Comparison) -> Answer:
    levels = comp.levels().set_index(["scenario", "measure"])
    diffs = comp.differences()
    diffs = diffs.set_index(["scenario", "measure"]) if len(diffs) else diffs
    chosen = chosen_measures(comp)
    thresholds = comp.parameters().get("measures", {})
    regimes = []
    for s in [s for s in comp.scenarios if s != comp.baseline] or [comp.baseline]:
        lines = [line_for(topic, m, levels, diffs, s, comp.baseline, thresholds) for topic, m in chosen]
        regimes.append((comp.short_labels[s], lines))
    return Answer(comp.setting, comp.short_labels[comp.baseline], regimes, caveat(comp))


def line_for(topic: str, measure: str | None, levels: pd.DataFrame, diffs: pd.DataFrame, scenario: str, baseline: str, thresholds: dict) -> Line:
    if measure is None or (scenario, measure) not in levels.index:
        return Line(topic, None, f"{topic}: not measured in this run.")
    phrase = PHRASES.get(measure, Phrase(measure.replace("_", " "), "count", measure))
    noun = phrase.noun.format(overdue=thresholds.get("overdue_months", 15), lost=thresholds.get("lost_to_follow_up_months", 24))
    level = levels.loc[(scenario, measure)]
    if scenario == baseline:  # a single run: its level alone
        ci = f" (95% CI {fmt(level['lower'])} to {fmt(level['upper'])})" if np.isfinite(level["lower"]) else ""
        return Line(topic, measure, f"{topic}: {amount(level['mean'], phrase.kind)} {noun}{ci}.")
    base = levels.loc[(baseline, measure), "mean"]
    head = f"{topic}: {amount(level['mean'], phrase.kind)} {noun}, against {amount(base, phrase.kind)}"
    if (scenario, measure) not in diffs.index:
        return Line(topic, measure, head + ".")
    row = diffs.loc[(scenario, measure)]
    text, clear = effect(float(row["difference"]), float(row["lower"]), float(row["upper"]), phrase.kind)
    return Line(topic, measure, f"{head}: {text}.", clear)


def amount(x: float, kind: str) -> str:
    return f"{fmt(x)}%" if kind == "pct" else fmt(x)


def effect(d: float, lo: float, hi: float, kind: str) -> tuple[str, bool | None]:
    """A paired difference and its interval in words, and whether the interval excludes 0."""
    more, fewer = ("percentage points higher", "percentage points lower") if kind == "pct" else ("more", "fewer")
    word = more if d > 0 else fewer
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return (f"{fmt(abs(d))} {word} (one replication: no interval)" if d else "the same"), None
    if negligible(d, lo, hi):
        return "the same in every replication", False
    if lo <= 0 <= hi:
        low, high = ("lower", "higher") if kind == "pct" else ("fewer", "more")
        return f"no clear difference (95% CI {fmt(abs(lo))} {low} to {fmt(hi)} {high})", False
    near, far = sorted((abs(lo), abs(hi)))
    return f"{fmt(abs(d))} {word} (95% CI {fmt(near)} to {fmt(far)})", True


SWEEP = "sweep.parquet"
"""A one-way sweep (``qofsim sweep --one-way -o FOLDER/sweep.parquet``) saved beside the results."""


def caveat(comp: Comparison) -> str:
    """The caveat that matters most: an assumption that flips the answer (when a one-way sweep
    sits beside the results), else a capacity-bound result, else the assumptions the regimes rest on."""
    return flip_caveat(comp) or capacity_caveat(comp) or assumption_caveat(comp)


def flip_caveat(comp: Comparison) -> str | None:
    """The first answer line whose difference changes sign at one end of a parameter's range."""
    path = comp.folder / SWEEP
    if not path.is_file():
        return None
    sweep = pd.read_parquet(path)
    if not {"parameter", "level", "label", "scenario", "measure", "value"} <= set(sweep.columns):
        return None
    diffs = comp.differences()
    ends = sweep[sweep["level"].isin(["low", "high"])]
    means = ends.groupby(["label", "scenario", "measure"])["value"].mean().unstack("scenario")
    for topic, measure in chosen_measures(comp):
        for s in [s for s in comp.scenarios if s != comp.baseline]:
            found = diffs[(diffs["scenario"] == s) & (diffs["measure"] == measure)]
            if found.empty or s not in means or comp.baseline not in means:
                continue
            if conclusion(*found.iloc[0][["difference", "lower", "upper"]]) == UNCLEAR:
                continue  # only a clear answer can reverse; an interval spanning 0 has no direction
            if measure not in means.index.get_level_values("measure"):
                continue  # a sweep saved without this measure says nothing about it
            shifted = (means[s] - means[comp.baseline]).xs(measure, level="measure")
            flipped = shifted[np.sign(shifted) == -np.sign(found.iloc[0]["difference"])]
            if len(flipped):
                who = under(comp, s)
                return (
                    f"The answer on {topic.lower()} {who} reverses when "
                    f"{flipped.abs().idxmax()} (one-way sensitivity analysis); it rests on that assumption."
                )
    return None


def under(comp: Comparison, scenario: str) -> str:
    """'under <scenario in a reader's words>', whether or not the short label already says 'under'."""
    who = lower_first(comp.short_labels[scenario])
    return who if who.startswith("under ") else f"under {comp.short_labels[scenario]}"


def capacity_caveat(comp: Comparison) -> str | None:
    used = comp.utilisation()
    busy = used[used["used_pct"] >= BUSY_PCT] if used is not None else None
    if busy is None or busy.empty:
        return None
    top = busy.loc[busy["used_pct"].idxmax()]
    role, scenario = str(top["role"]), str(top["scenario"])
    shares = used.loc[used["role"] == role, "used_pct"]
    spread = f" ({shares.min():.0f}–{shares.max():.0f}% across scenarios)" if len(shares) > 1 and shares.max() - shares.min() >= 1 else ""
    where = f" {under(comp, scenario)}" if len(comp.scenarios) > 1 else ""
    text = f"capacity-bound: {plural(role_label(role))} booked {top['used_pct']:.0f}% of their session minutes{where}{spread}, so "
    levels = comp.levels().set_index(["scenario", "measure"])
    if (scenario, "routine_wait_days") in levels.index and scenario != comp.baseline:
        wait, base = levels.loc[(scenario, "routine_wait_days"), "mean"], levels.loc[(comp.baseline, "routine_wait_days"), "mean"]
        text += f"routine appointments waited {fmt(wait)} days on average, against {fmt(base)} at baseline; "
    else:
        text += "demand queued for their time; "
    text += "the answer depends on the clinician time assumed."
    return text[:1].upper() + text[1:]


def assumption_caveat(comp: Comparison) -> str:
    rows = differing(provenance_rows(comp))
    assumed = sum(any("assumption" in p and "source" not in p for _, p in r["per"].values()) for r in rows)
    return (
        f"Intervals show simulation noise only: {assumed} of the {len(rows)} parameter values that differ between "
        "these scenarios are stated assumptions, not published figures (see Assumptions)."
    )


def plural(role: str) -> str:
    return lower_first(role) + "s"
