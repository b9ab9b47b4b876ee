"""Headline measures by a practice attribute (regime, deprivation quintile), for mixed counties.

Every headline measure is a ratio of sums over practices, so the headline of a group
of practices is the headline of the tables cut down to those practices. Rows about
federation staff shared by practices in different groups (``practice == -1``) belong
to no group and are left out.
"""

from __future__ import annotations

import pandas as pd

from sim.measures.summary import headline

GROUPS = ("regime", "deprivation_quintile")
"""Practice attributes a headline can be split by (columns of the ``practices`` table)."""

_COUNTY_LEVEL = ("gaps", "cost_rates", "practices")


def headline_by(tables: dict[str, pd.DataFrame], by: str) -> pd.DataFrame:
    """One headline row per scenario, replication and value of ``by`` (a ``practices`` column).

    A practice that switches regime during the run counts under the regime it was in
    at the end of the run.
    """
    if by not in GROUPS:
        raise ValueError(f"cannot group by {by!r}; choose one of {GROUPS}")
    practices = tables["practices"]
    frames = []
    for value, members in practices.groupby(by):
        keep = members[["scenario", "replication", "practice"]]
        cut = {name: _restrict(df, keep) if name not in _COUNTY_LEVEL else df for name, df in tables.items()}
        cut["practices"] = members
        frames.append(headline(cut).assign(**{by: value}))
    out = pd.concat(frames, ignore_index=True)
    return out[["scenario", "replication", by, *(c for c in out.columns if c not in ("scenario", "replication", by))]]


def _restrict(df: pd.DataFrame, keep: pd.DataFrame) -> pd.DataFrame:
    if "practice" not in df.columns:
        return df
    return df.merge(keep, on=["scenario", "replication", "practice"], how="inner")
