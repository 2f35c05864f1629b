"""What an obligation's state is, as conditions on `Obligation` for the enclosing query.

An obligation is *reported* once any value (or "not applicable") arrived for it. A *waived* one
is no longer owed; if it is reported anyway it counts as reported. So everything that counts
obligations (completeness, /missing, the views) counts the `counted` ones, and everything that
chases reports (reminders, nudges, escalations, signals) looks only at the `missing` ones.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Exists, exists, or_

from storage.models import IndicatorValue, Obligation


def reported() -> Exists:
    """The obligation has a value - "not applicable" included."""
    return exists().where(
        IndicatorValue.indicator_id == Obligation.indicator_id,
        IndicatorValue.organisation_id == Obligation.organisation_id,
        IndicatorValue.period == Obligation.period,
    )


def counted() -> ColumnElement[bool]:
    """Owed, or reported although waived: what completeness counts."""
    return or_(Obligation.waived_at.is_(None), reported())


def missing() -> ColumnElement[bool]:
    """Owed and not reported: what is chased."""
    return Obligation.waived_at.is_(None) & ~reported()
