"""Loading the demo's finding people into a county, in a fixed order, and resetting it."""

import datetime as dt
import random

from django.utils import timezone

from bangfu.accounts.models import Membership
from bangfu.demo.discovery.history import _history
from bangfu.demo.discovery.visits import _a_duplicate_registration, _record_some_visits
from bangfu.demo.discovery_files import Strangers, department_files
from bangfu.discovery import scoring, services
from bangfu.discovery.importing import import_crosscheck
from bangfu.discovery.models import (
    CandidatePerson,
    CrossCheckImport,
    Flag,
    Rule,
    SourceRecord,
    Task,
)
from bangfu.discovery.risk import NotEnoughHistory
from bangfu.regions.models import Region, within
from bangfu.registry.models import Member


def _county_people(county: Region) -> list[Member]:
    return list(
        Member.objects.filter(within(county, "household__region"))
        .select_related("household__region")
        .order_by("household__registry_number", "pk")
    )


def _bureau_staff(county: Region):
    membership = (
        Membership.objects.filter(
            organisation__region=county, role=Membership.Role.BUREAU_STAFF, is_active=True
        )
        .select_related("user")
        .order_by("pk")
        .first()
    )
    if membership is None:
        raise ValueError(f"{county} has no bureau staff to import the departments' files.")
    return membership.user


def load_discovery_demo(
    county: Region, rng: random.Random, *, as_of: dt.date | None = None, staff=None
) -> dict:
    """Import the county's cross-check files, write the verification history, train the risk
    model, schedule reviews and visits and record a few visits. Returns what it made."""
    as_of = as_of or timezone.localdate()
    staff = staff or _bureau_staff(county)
    people = _county_people(county)
    villages = list(
        Region.objects.subtree(county).filter(level=Region.Level.VILLAGE).order_by("code")
    )
    strangers = Strangers(rng, county.code, {m.id_number for m in people})
    summary: dict = {"imports": {}}

    history = _history(county, rng, people, as_of)
    summary["history"] = history
    try:
        result = scoring.risk_model_train(random_state=0)
        summary["risk_model"] = {"version": result.version, "auc": round(result.auc, 3)}
    except NotEnoughHistory as exc:
        summary["risk_model"] = {"skipped": str(exc)}

    files = department_files(county, rng, people, villages, strangers, as_of)
    for source, label, upload, file_as_of in files:
        report = import_crosscheck(
            upload,
            source=source,
            filename=label,
            by=staff,
            region=county,
            as_of=file_as_of,
            today=as_of,
        )
        if not report.ok:
            raise ValueError(f"demo file {label} was refused: {report.errors[:3]}")
        summary["imports"][label] = {
            "rows": report.rows,
            "candidates": report.candidates_created,
            "warnings": report.flags_created,
        }
    # The nightly scan of the day (reviews due) and the schedule of reviews and visits.
    services.flags_scan(region=county, today=as_of)
    scheduled = services.tasks_schedule(region=county, today=as_of)
    summary["scheduled"] = {"reviews": scheduled.reviews, "visits": scheduled.visits}
    summary["visits_recorded"] = _record_some_visits(county, rng, as_of)
    summary["duplicate_attempt"] = _a_duplicate_registration(county, rng, people)
    current = Flag.objects.filter(within(county, "region"), fired_on=as_of)
    summary["warnings"] = current.count()
    summary["warnings_by_rule"] = {
        rule: current.filter(rule=rule).count() for rule in Rule.values if rule
    }
    return summary


def reset_discovery_demo(county: Region) -> None:
    """Delete what ``load_discovery_demo`` made in the county (before its households and
    regions go: warnings, tasks and candidates hold their village)."""
    inside = within(county, "region")
    Flag.objects.filter(inside).delete()
    Task.objects.filter(inside).delete()
    SourceRecord.objects.filter(inside).delete()
    CandidatePerson.objects.filter(inside).delete()
    CrossCheckImport.objects.filter(inside).delete()
