"""Referrals for the demo county: cases in every state over its open needs.

Everything goes through the services (and the matching engine), back-dated with their ``at``
argument, so the demo's history is one the platform could have written itself: audit rows,
capacity slots, sessions, feedback, notifications, need statuses and quality ratings included.
The deadlines are then checked as the beat would have checked them up to the demo's "now": no
case sits overdue past its escalation's delay, and none overdue without being escalated.
Cases the engine routes to a procured project are answered by the agency's staff, and their
sessions are recorded as the project's deliveries.

The demo builder calls, after the needs and their priorities exist::

    from bangfu.demo.referrals import load_referrals_demo
    counts = load_referrals_demo(ctx.county, ctx.rng("referrals"), as_of=ctx.options.as_of)

Deterministic for a given random generator, as-of date and database content.
"""

import datetime as dt
import random
from collections import Counter
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from bangfu.referrals import selectors, services
from bangfu.referrals.errors import CapacityFull, ReferralError
from bangfu.referrals.models import IntakeCase, Notification, Referral, ServiceSession
from bangfu.referrals.services.common import deadlines_for
from bangfu.regions.models import Region, within
from bangfu.registry.models import Need

# (state, weight, how many days ago the case started: low, high)
STATES = (
    ("completed", 34, 25, 120),
    ("in_service", 18, 6, 40),
    ("accepted", 10, 1, 5),
    ("sent", 12, 0, 3),
    ("declined", 10, 3, 30),
    ("expired", 6, 8, 30),
    ("closed", 6, 10, 60),
    ("revoked", 4, 5, 30),
)
SESSION_NOTES = (
    "上门照料，协助洗浴和整理房间",
    "陪同到县医院复诊，协助取药",
    "康复训练40分钟，指导家属练习",
    "心理疏导，老人情绪平稳",
    "送餐并检查用药情况",
    "帮助孩子完成作业，联系学校老师",
)
OUTCOMES = (
    "生活基本能自理，家属已掌握照料方法",
    "按期完成复诊，病情稳定",
    "链接到村卫生室长期随访",
    "孩子返校，学习跟上进度",
)
COMMENTS = ("服务很周到", "社工很耐心", "希望以后还能来", "", "来得有点晚", "")
# How long after a deadline the beat's check finds it (it runs every 15 minutes).
BEAT_DELAY = dt.timedelta(minutes=5)
# Notifications older than this are read by the time the demo opens.
READ_BEFORE = dt.timedelta(days=7)


def _moment(as_of: dt.date, days_ago: float, rng: random.Random) -> dt.datetime:
    zone = ZoneInfo(settings.TIME_ZONE)
    day = as_of - dt.timedelta(days=int(days_ago))
    return dt.datetime.combine(
        day, dt.time(8 + rng.randint(0, 9), rng.choice((0, 15, 30, 45))), zone
    )


def _log_sessions(referral, staff, start: dt.datetime, count: int, rng, limit: dt.datetime):
    moment = start
    for _ in range(count):
        moment = min(moment + dt.timedelta(days=rng.randint(1, 6), hours=rng.randint(0, 3)), limit)
        services.service_session_log(
            referral=referral,
            by=staff,
            held_on=timezone.localtime(moment).date(),
            duration_minutes=rng.choice((30, 45, 60, 90, 120)),
            category=referral.need.category,
            notes=rng.choice(SESSION_NOTES),
            at=moment,
        )
    return moment


def _play(
    state: str, referral: Referral, *, desk, start, now, rng, counts: Counter, feedback=False
) -> None:
    """Take a freshly sent referral to ``state``, answered by the provider's first staff member
    (the station's, the volunteer, or the staff of the agency that runs the project); with
    ``feedback``, a completed case has the household's feedback for sure."""
    answering = selectors.provider_users(referral.provider_id)
    if not answering:
        raise LookupError(f"No one answers referrals to {referral.provider}: the demo needs them.")
    staff = answering[0]
    if state == "sent":
        return
    answered = min(start + dt.timedelta(hours=rng.randint(1, 40)), now - dt.timedelta(hours=1))
    if state == "declined":
        services.referral_decline(
            referral=referral,
            by=staff,
            reason=rng.choice(("full", "outside_area", "no_skills")),
            at=answered,
        )
        again = services.intake_route(
            intake=referral.intake, by=desk, at=min(answered + dt.timedelta(hours=3), now)
        )
        counts["re-sent after a decline"] += again is not None
        return
    if state == "expired":
        due = referral.accept_due_at + BEAT_DELAY
        services.referral_handle_overdue(referral_id=referral.pk, at=due)
        services.referral_handle_overdue(referral_id=referral.pk, at=due + dt.timedelta(days=1))
        return
    if state == "revoked":
        services.referral_revoke(referral=referral, by=desk, note="家属已自行安排照料", at=answered)
        return
    try:
        services.referral_accept(referral=referral, by=staff, at=answered)
    except CapacityFull:
        services.referral_decline(referral=referral, by=staff, reason="full", at=answered)
        counts["declined when full"] += 1
        return
    if state == "accepted":
        return
    if state == "closed":
        services.referral_close(
            referral=referral,
            by=staff,
            reason=rng.choice(("unreachable", "household_refused", "resolved_otherwise")),
            at=min(answered + dt.timedelta(days=rng.randint(1, 4)), now),
        )
        return
    sessions = rng.randint(1, 3) if state == "in_service" else rng.randint(2, 5)
    last = _log_sessions(referral, staff, answered, sessions, rng, limit=now)
    counts["service sessions"] += sessions
    if state == "in_service":
        return
    finished = min(last + dt.timedelta(days=rng.randint(0, 2)), now)
    services.referral_complete(
        referral=referral, by=staff, outcome=rng.choice(OUTCOMES), at=finished
    )
    if rng.random() < 0.85 or feedback:
        services.feedback_record(
            referral=referral,
            by=desk,
            satisfaction=rng.choices((5, 4, 3, 2, 1), weights=(45, 35, 12, 5, 3))[0],
            comments=rng.choice(COMMENTS),
            at=min(finished + dt.timedelta(days=rng.randint(1, 5)), now),
        )
        counts["feedback"] += 1


def load_referrals_demo(
    county: Region,
    rng: random.Random,
    *,
    as_of: dt.date | None = None,
    share: float = 0.4,
    limit: int = 200,
) -> dict[str, int]:
    """Refer ``share`` of the county's open needs (at most ``limit``), in every state.

    Returns counts by final status and a few totals, for the demo's summary.
    """
    as_of = as_of or timezone.localdate()
    evening = dt.datetime.combine(as_of, dt.time(18), ZoneInfo(settings.TIME_ZONE))
    now = min(evening, timezone.now())  # nothing happens later than the demo's "now"
    needs = list(
        Need.objects.filter(within(county, "household__region"))
        .open()
        .select_related("household__region__parent")
        .order_by("pk")
    )
    chosen = sorted(rng.sample(needs, min(limit, round(len(needs) * share))), key=lambda n: n.pk)
    counts: Counter = Counter()
    desks: dict[int, object] = {}
    # Every state once first (however small the county), then as often as it happens.
    first = list(rng.sample(STATES, len(STATES)))
    served_project = False
    for need in chosen:
        village = need.household.region
        if village.pk not in desks:
            staff = selectors.township_staff(village)
            desks[village.pk] = staff[0] if staff else None
        desk = desks[village.pk]
        if desk is None:
            counts["no desk"] += 1
            continue
        drawn = first.pop() if first else rng.choices(STATES, weights=[s[1] for s in STATES])[0]
        state, _weight, low, high = drawn
        start = min(_moment(as_of, rng.uniform(low, high), rng), now - dt.timedelta(hours=2))
        try:
            # One case per savepoint: a refusal undoes that case only.
            with transaction.atomic():
                intake = services.intake_open(
                    by=desk, source=IntakeCase.Source.VISIT, need=need, at=start
                )
                referral = services.intake_route(intake=intake, by=desk, at=start)
                if referral is None:
                    counts["no candidate"] += 1
                    continue
                sure = False
                if referral.provider.kind == "project" and not served_project:
                    # One case of a procured project at least is served through to feedback.
                    state, sure, served_project = "completed", True, True
                _play(
                    state,
                    referral,
                    desk=desk,
                    start=start,
                    now=now,
                    rng=rng,
                    counts=counts,
                    feedback=sure,
                )
        except ReferralError:
            counts["skipped"] += 1
    in_county = Referral.objects.filter(within(county, "need__household__region"))
    counts.update(_check_deadlines(in_county, now))
    # The demo's users are invented: their notifications stay in the app, none is e-mailed.
    Notification.objects.filter(referral__in=in_county, emailed_at__isnull=True).update(
        emailed_at=now
    )
    # Staff who work every day have read what came before this week: the bell shows this week's.
    Notification.objects.filter(
        referral__in=in_county, read_at__isnull=True, created_at__lt=now - READ_BEFORE
    ).update(read_at=now)
    statuses = in_county.values_list("status", flat=True)
    counts.update(f"referrals {status}" for status in statuses)
    counts["referrals to projects"] = in_county.filter(provider__kind="project").count()
    # Sessions on a referral to a procured project are counted against the project's line.
    counts["project deliveries"] = ServiceSession.objects.filter(
        referral__in=in_county, delivery_record__isnull=False
    ).count()
    return dict(counts)


def _check_deadlines(referrals, now: dt.datetime) -> Counter:
    """What the beat would have done by ``now``: each referral overdue then is escalated at the
    check after its deadline, and re-routed once the delay after its escalation has passed too
    (the referral that replaces it may fall overdue in turn, and is checked in the next round).
    """
    counts: Counter = Counter()
    while True:
        acted = False
        overdue = referrals.overdue(now).select_related("need__household__region").order_by("pk")
        for referral in overdue:
            if referral.escalated_at is None:
                sent = referral.status == Referral.Status.SENT
                at = (referral.accept_due_at if sent else referral.service_due_at) + BEAT_DELAY
            else:
                at = referral.escalated_at + deadlines_for(referral.need, now).reroute_after
            done = at <= now and services.referral_handle_overdue(referral_id=referral.pk, at=at)
            if done:
                counts[f"deadlines {done}"] += 1
                acted = True
        if not acted:
            return counts


def reset_referrals_demo(county: Region) -> None:
    """Delete the county's intake cases and referrals (and all that hangs on them).

    Needs are protected while referrals point at them: the demo's reset calls this before its
    households go.
    """
    referrals = Referral.objects.filter(within(county, "need__household__region"))
    Notification.objects.filter(referral__in=referrals).delete()
    intakes = IntakeCase.objects.filter(within(county, "region"))
    referrals.delete()
    intakes.delete()
