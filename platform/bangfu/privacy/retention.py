"""The retention schedule: personal information whose purpose ended long enough ago is
anonymised (or, for rows of other departments' files, deleted), statistics kept.

``retention_run`` applies every active rule; each rule's run is one ``RetentionRun`` with the
rows it changed per model. A dry run does the same work in a savepoint it then rolls back, so
its counts are exactly what a real run would change and nothing is changed.

Rows are changed with ``QuerySet.update``: auditlog would otherwise write each old value of a
field it does not mask into the log, which is what anonymising removes. One audit entry per
household says that the schedule anonymised it, and which run did.
"""

import datetime as dt
from collections.abc import Callable
from functools import partial

from auditlog.models import LogEntry
from django.db import transaction
from django.db.models import CharField, Max, Q, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone
from django.utils.translation import gettext as _

from bangfu.discovery.models import CandidatePerson, CrossCheckImport, Flag, SourceRecord, Task
from bangfu.offers.models import Allocation
from bangfu.privacy.models import ANONYMOUS, AnonymisedHousehold, RetentionRule, RetentionRun
from bangfu.procurement.models import DeliveryRecord
from bangfu.referrals.models import (
    ContactAttempt,
    Feedback,
    HelpRequest,
    IntakeCase,
    Referral,
    ReferralEvent,
    ServiceSession,
)
from bangfu.regions.models import within, within_any
from bangfu.registry.models import (
    Assessment,
    Household,
    Member,
    Need,
    StatusDecision,
    TemporaryGrant,
)

Category = RetentionRule.Category
BATCH = 500


class _DryRun(Exception):
    """Raised to roll a dry run's savepoint back."""


def cutoff_for(rule: RetentionRule, today: dt.date) -> dt.date:
    """The last day a row may have ended on to be due under ``rule`` on ``today``."""
    if rule.in_days:
        return today - dt.timedelta(days=rule.period)
    try:
        return today.replace(year=today.year - rule.period)
    except ValueError:  # 29 February, in a year without one
        return today.replace(year=today.year - rule.period, day=28)


def retention_run(
    *, today: dt.date | None = None, dry_run: bool = False, by=None, within_counties=None
) -> list[RetentionRun]:
    """Apply every active rule (a county's own rule in its county, the platform's elsewhere);
    returns one run per rule. Safe to run twice: what is done is not due any more.

    ``within_counties`` (a county manager's dry run) limits the work to those counties: the
    other counties' own rules are not run, the platform's only there."""
    today = today or timezone.localdate()
    rules = list(RetentionRule.objects.filter(is_active=True).select_related("region"))
    scope = None if within_counties is None else list(within_counties)
    runs = []
    for rule in rules:
        if scope is not None and rule.region_id and rule.region not in scope:
            continue
        counties = [r.region for r in rules if r.category == rule.category and r.region_id]
        placed = partial(_placed, rule, counties, scope)
        runs.append(_apply(rule, placed=placed, today=today, dry_run=dry_run, by=by))
    return runs


def _placed(rule: RetentionRule, counties: list, scope: list | None, lookup: str) -> Q:
    """The rule's area, as a filter on the region reached through ``lookup``: its county, or
    for the platform's rule every region but the counties with a rule of their own; within
    ``scope`` when given."""
    limit = Q() if scope is None else within_any(scope, lookup)
    if rule.region_id is not None:
        return within(rule.region, lookup) & limit
    return (~within_any(counties, lookup) if counties else Q()) & limit


def _apply(rule: RetentionRule, *, placed, today: dt.date, dry_run: bool, by) -> RetentionRun:
    run = RetentionRun(rule=rule, cutoff=cutoff_for(rule, today), dry_run=dry_run, by=by)
    try:
        with transaction.atomic():
            run.save()
            run.counts = APPLY[rule.category](run, placed)
            if dry_run:
                raise _DryRun
            run.save(update_fields=["counts"])
    except _DryRun:
        run.pk = None
        run.save()
    return run


def anonymised_households(households: list) -> dict[int, str]:
    """The ledger check's question (``registry.hooks.ledger_locked_households``): which of
    ``households`` were anonymised, with the reason an import may not change them."""
    done = AnonymisedHousehold.objects.filter(household__in=households).values_list(
        "household_id", flat=True
    )
    message = _(
        "Household %(number)s was anonymised under the retention schedule; an import does not "
        "fill it in again: register the household anew under a new registry number."
    )
    by_pk = {household.pk: household.registry_number for household in households}
    return {pk: message % {"number": by_pk[pk]} for pk in done}


def _households_exited(run: RetentionRun, placed: Callable[[str], Q]) -> dict[str, int]:
    """Households exited on or before the cutoff: names, numbers, phones, addresses and notes
    cleared; tier history, needs' categories, referral outcomes and counts kept."""
    due = (
        Household.objects.filter(placed("region"))
        .filter(status=Household.Status.EXITED, exited_on__lte=run.cutoff)
        .exclude(pk__in=AnonymisedHousehold.objects.values("household_id"))
    )
    counts: dict[str, int] = {}
    pks = list(due.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(pks), BATCH):
        for label, changed in _anonymise_households(pks[start : start + BATCH], run).items():
            counts[label] = counts.get(label, 0) + changed
    return counts


def _anonymise_households(pks: list[int], run: RetentionRun) -> dict[str, int]:
    households = Household.objects.filter(pk__in=pks)
    # What finds the household's people in other tables, read before it is cleared: the
    # members' ID-number hashes (the cross-check files' rows, the candidates) and the phones'
    # (the desk's cases of callers never linked to the household).
    hashes = list(Member.objects.filter(household__in=pks).values_list("id_number_hash", flat=True))
    phones = list(households.exclude(phone_hash="").values_list("phone_hash", flat=True))
    members = list(Member.objects.filter(household__in=pks).only("pk", "birth_date"))
    for member in members:
        member.name, member.id_number = ANONYMOUS, ""
        member.id_number_hash = f"anonymised:{member.pk}"
        # The year of birth and the sex stay, for statistics by age.
        member.birth_date = member.birth_date.replace(month=1, day=1)
        member.illness_note = ""
        for key in ("name_pinyin", "name_initials", "name_grams"):
            setattr(member, key, "")
        for key in ("id_tail4_hash", "id_tail5_hash", "id_tail6_hash"):
            setattr(member, key, "")
    member_fields = [
        "name",
        "id_number",
        "id_number_hash",
        "birth_date",
        "illness_note",
        "name_pinyin",
        "name_initials",
        "name_grams",
        "id_tail4_hash",
        "id_tail5_hash",
        "id_tail6_hash",
    ]
    candidates = CandidatePerson.objects.filter(
        pk__in=list(
            CandidatePerson.objects.filter(
                Q(member__household__in=pks) | Q(id_number_hash__in=hashes)
            ).values_list("pk", flat=True)
        )
    )
    decisions = list(StatusDecision.objects.filter(household__in=pks).only("pk", "evidence"))
    for decision in decisions:
        decision.note = decision.rejection_reason = ""
        decision.evidence = {k: v for k, v in decision.evidence.items() if k != "note"}
    intakes = IntakeCase.objects.filter(
        pk__in=list(
            IntakeCase.objects.filter(
                Q(household__in=pks) | Q(need__household__in=pks) | Q(caller_phone_hash__in=phones)
            ).values_list("pk", flat=True)
        )
    )
    referrals = Referral.objects.filter(Q(need__household__in=pks) | Q(intake__in=intakes))
    counts = {
        **_anonymise_discovery(pks, members, hashes, candidates),
        "registry.Household": households.update(
            address="", phone="", phone_hash="", latitude=None, longitude=None
        ),
        "registry.Member": Member.objects.bulk_update(members, member_fields, batch_size=BATCH),
        "registry.Assessment": Assessment.objects.filter(household__in=pks).update(summary=""),
        "registry.Need": Need.objects.filter(household__in=pks).update(
            notes="", preferred_times=""
        ),
        "registry.StatusDecision": StatusDecision.objects.bulk_update(
            decisions, ["note", "rejection_reason", "evidence"], batch_size=BATCH
        ),
        "registry.TemporaryGrant": TemporaryGrant.objects.filter(household__in=pks).update(
            reason="", rejection_reason=""
        ),
        "referrals.Referral": referrals.update(
            decline_note="", outcome_note="", note_to_provider=""
        ),
        "referrals.ReferralEvent": ReferralEvent.objects.filter(referral__in=referrals).update(
            note=""
        ),
        "referrals.ServiceSession": ServiceSession.objects.filter(referral__in=referrals).update(
            notes=""
        ),
        "referrals.Feedback": Feedback.objects.filter(referral__in=referrals).update(comments=""),
        **_anonymise_intake(intakes),
        "discovery.CandidatePerson": _anonymise_candidates(candidates),
        "offers.Allocation": Allocation.objects.filter(household__in=pks).update(
            delivery_note="", cancel_reason=""
        ),
        "procurement.DeliveryRecord": DeliveryRecord.objects.filter(
            Q(household__in=pks) | Q(case__in=referrals.values("pk"))
        ).update(note=""),
    }
    AnonymisedHousehold.objects.bulk_create(
        [AnonymisedHousehold(household_id=pk, run=run) for pk in pks]
    )
    for household in households:
        LogEntry.objects.log_create(
            household,
            force_log=True,
            action=LogEntry.Action.UPDATE,
            changes={},
            actor=run.by,
            additional_data={"retention_run": run.pk, "anonymised": True},
        )
    return counts


def _anonymise_discovery(pks: list[int], members: list, hashes: list, candidates) -> dict:
    """Other departments' rows about the household's people (by member or by ID-number hash)
    are deleted, as the schedule deletes old files' rows; the data the warnings fired on and
    the assistants' notes of their tasks are cleared. The warnings, their rules and outcomes
    stay, for statistics."""
    records = SourceRecord.objects.filter(
        Q(member__in=members) | Q(person_hash__in=hashes) | Q(candidate__in=candidates)
    )
    about_people = Q(member__in=members) | Q(candidate__in=candidates) | Q(record__in=records)
    # A person's warning is keyed by their ID number's hash: the key goes with the evidence.
    Flag.objects.filter(about_people).update(
        key=Concat(Value("anonymised:"), Cast("pk", CharField()))
    )
    cleared = Flag.objects.filter(Q(household__in=pks) | about_people).update(evidence={})
    _total, deleted = records.delete()
    return {
        "discovery.SourceRecord": deleted.get("discovery.SourceRecord", 0),
        "discovery.Flag": cleared,
        "discovery.Task": Task.objects.filter(
            Q(household__in=pks) | Q(candidate__in=candidates)
        ).update(note=""),
    }


def _anonymise_intake(intakes) -> dict[str, int]:
    """The desk's cases and the public's help requests they came from: the caller's name,
    phone and story, the desk's notes of its calls."""
    requests = HelpRequest.objects.filter(intake__in=intakes)
    return {
        "referrals.IntakeCase": intakes.update(
            caller_name="", caller_phone="", caller_phone_hash="", description=ANONYMOUS
        ),
        "referrals.HelpRequest": requests.update(phone_hash="", close_details=""),
        "referrals.ContactAttempt": ContactAttempt.objects.filter(help_request__in=requests).update(
            note=""
        ),
    }


def _anonymise_candidates(candidates) -> int:
    changed = list(candidates.only("pk", "birth_date"))
    for candidate in changed:
        candidate.name, candidate.id_number, candidate.address = ANONYMOUS, "", ""
        candidate.id_number_hash = f"anonymised:c{candidate.pk}"
        candidate.birth_date = candidate.birth_date.replace(month=1, day=1)
    return CandidatePerson.objects.bulk_update(
        changed, ["name", "id_number", "address", "id_number_hash", "birth_date"]
    )


def _help_requests_closed(run: RetentionRun, placed: Callable[[str], Q]) -> dict[str, int]:
    """Help requests closed on or before the cutoff: the requester's name, phone and story;
    the request's steps, dates and reasons stay."""
    due = (
        HelpRequest.objects.filter(placed("township"))
        .filter(status=HelpRequest.Status.CLOSED, closed_at__date__lte=run.cutoff)
        .exclude(phone_hash="")
    )
    intakes = IntakeCase.objects.filter(pk__in=due.values("intake_id"))
    # The case's counts first: the request's own update clears the mark that selects it.
    cases = intakes.update(
        caller_name="", caller_phone="", caller_phone_hash="", description=ANONYMOUS
    )
    return {
        "referrals.ContactAttempt": ContactAttempt.objects.filter(help_request__in=due).update(
            note=""
        ),
        "referrals.IntakeCase": cases,
        "referrals.HelpRequest": due.update(phone_hash="", close_details=""),
    }


def _crosscheck_records(run: RetentionRun, placed: Callable[[str], Q]) -> dict[str, int]:
    """Rows of other departments' files imported on or before the cutoff, except those of the
    latest file of each source and region, which the rules compare the next file with. The
    import's record (who, when, which file by its SHA-256, its counts) stays."""
    imports = CrossCheckImport.objects.filter(placed("region"))
    latest = imports.filter(ok=True).values("source", "region").annotate(last=Max("as_of"))
    keep = Q()
    for row in latest:
        keep |= Q(
            crosscheck_import__source=row["source"],
            crosscheck_import__region=row["region"],
            crosscheck_import__as_of=row["last"],
        )
    due = SourceRecord.objects.filter(
        crosscheck_import__in=imports.filter(imported_at__date__lte=run.cutoff)
    )
    if latest:
        due = due.exclude(keep)
    _total, deleted = due.delete()
    return {"discovery.SourceRecord": deleted.get("discovery.SourceRecord", 0)}


APPLY = {
    Category.HOUSEHOLDS_EXITED: _households_exited,
    Category.HELP_REQUESTS_CLOSED: _help_requests_closed,
    Category.CROSSCHECK_RECORDS: _crosscheck_records,
}
