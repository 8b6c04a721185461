"""Every transition of a referral, the forbidden ones, and what each does to the need."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from bangfu.core.lifecycle import InvalidTransition
from bangfu.providers.models import Provider
from bangfu.referrals import selectors, services
from bangfu.referrals.errors import CapacityFull, ProviderUnavailable, ReferralError
from bangfu.referrals.models import IntakeCase, Notification, Referral, ReferralEvent
from bangfu.regions.models import PolicyValue
from bangfu.registry.models import Need, ServiceCategory
from tests.factories import HouseholdFactory, MemberFactory, NeedFactory
from tests.referrals.conftest import need_status

Status = Referral.Status
pytestmark = pytest.mark.django_db


def care() -> ServiceCategory:
    return ServiceCategory.objects.get(code="care")


def log_session(referral, by, days_ago=0):
    return services.service_session_log(
        referral=referral,
        by=by,
        held_on=timezone.localdate() - dt.timedelta(days=days_ago),
        duration_minutes=90,
        category=care(),
        notes="陪同就医",
    )


# --- sending ----------------------------------------------------------------------------------


def test_opening_a_case_counts_the_engines_candidates(intake, engine):
    assert intake.status == IntakeCase.Status.OPEN
    assert intake.candidate_count == 3
    assert intake.region == intake.need.household.region


def test_sending_refers_the_need_and_tells_the_station(
    engine, desk, need, station, django_capture_on_commit_callbacks
):
    intake = services.intake_open(by=desk, source=IntakeCase.Source.VISIT, need=need)
    with django_capture_on_commit_callbacks(execute=True):
        referral = services.referral_send(intake=intake, provider_id=station.provider_id, by=desk)
    assert referral.status == Status.SENT
    assert referral.accept_due_at == referral.sent_at + dt.timedelta(days=2)
    assert need_status(need) == Need.Status.REFERRED
    assert IntakeCase.objects.get(pk=intake.pk).status == IntakeCase.Status.REFERRED
    event = referral.events.get()
    assert (event.action, event.by, event.to_status) == ("sent", desk, Status.SENT)
    note = Notification.objects.get(recipient=station.staff)
    assert note.kind == Notification.Kind.NEW_REFERRAL
    assert note.url == f"/portal/{referral.pk}/"
    # The e-mail names the service and the village, never the person.
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["station_staff@example.org"]
    assert "村201" in mail.outbox[0].body
    assert "欧阳晓明" not in mail.outbox[0].body
    assert "13800001111" not in mail.outbox[0].body


def test_the_email_task_is_safe_to_run_twice(referral, station):
    note = Notification.objects.get(recipient=station.staff)
    assert services.notification_email(notification_id=note.pk) is True
    assert services.notification_email(notification_id=note.pk) is False
    assert len(mail.outbox) == 1


def test_a_need_is_with_one_provider_at_a_time(referral, intake, desk, other_station):
    with pytest.raises(ReferralError, match="already with a provider"):
        services.referral_send(intake=intake, provider_id=other_station.provider_id, by=desk)
    assert Referral.objects.filter(need=intake.need).count() == 1


@pytest.mark.parametrize(
    "status",
    [
        pytest.param({"is_paused": True}, id="paused-by-itself"),
        pytest.param({"is_active": False}, id="suspended-by-staff"),
    ],
)
def test_a_provider_paused_or_suspended_cannot_be_sent_one(intake, desk, station, status):
    Provider.objects.filter(pk=station.provider_id).update(**status)
    with pytest.raises(ProviderUnavailable, match="not taking referrals"):
        services.referral_send(intake=intake, provider_id=station.provider_id, by=desk)
    assert not Referral.objects.exists()
    assert IntakeCase.objects.get(pk=intake.pk).status == IntakeCase.Status.OPEN
    # Taking referrals again, it is sent the case.
    Provider.objects.filter(pk=station.provider_id).update(is_paused=False, is_active=True)
    referral = services.referral_send(intake=intake, provider_id=station.provider_id, by=desk)
    assert referral.provider == station.provider


def test_routing_passes_over_a_paused_provider_to_the_next_candidate(
    intake, desk, station, other_station
):
    Provider.objects.filter(pk=station.provider_id).update(is_paused=True)
    referral = services.intake_route(intake=intake, by=desk)
    assert (referral.provider, referral.rank) == (other_station.provider, 2)


def test_the_accept_deadline_is_a_policy_parameter_of_the_region(intake, desk, station, place):
    PolicyValue.objects.create(
        key="referral_accept_days", region=place["county"], year=2020, value=1
    )
    referral = services.referral_send(intake=intake, provider_id=station.provider_id, by=desk)
    assert referral.accept_due_at - referral.sent_at == dt.timedelta(days=1)


def test_send_to_first_takes_the_engines_best_candidate(intake, desk, station):
    referral = services.intake_route(intake=intake, by=desk)
    assert referral.provider == station.provider
    assert referral.rank == 1
    assert referral.score == pytest.approx(0.9)
    assert referral.score_components["skills"] == 1.0


def test_a_hotline_case_waits_for_its_need_before_it_can_be_referred(engine, desk, place, station):
    intake = services.intake_open(
        by=desk,
        source=IntakeCase.Source.HOTLINE,
        township=place["town"],
        description="独居老人来电，需要送医陪护",
    )
    assert intake.need is None and intake.township == place["town"]
    with pytest.raises(ReferralError, match="need"):
        services.referral_send(intake=intake, provider_id=station.provider_id, by=desk)


def test_a_hotline_case_needs_a_description(engine, desk, place):
    with pytest.raises(ValidationError) as error:
        services.intake_open(by=desk, source=IntakeCase.Source.HOTLINE, township=place["town"])
    assert "description" in error.value.error_dict


def test_only_registry_writers_in_the_area_open_cases(engine, need, station):
    with pytest.raises(PermissionDenied):
        services.intake_open(by=station.staff, source=IntakeCase.Source.VISIT, need=need)


def test_a_need_has_one_open_case(intake, desk, need):
    with pytest.raises(ValidationError, match="already has an open intake case"):
        services.intake_open(by=desk, source=IntakeCase.Source.VISIT, need=need)


# --- accepting --------------------------------------------------------------------------------


def test_accepting_takes_a_slot_and_sets_the_first_service_deadline(referral, station, desk):
    referral = services.referral_accept(referral=referral, by=station.staff)
    assert referral.status == Status.ACCEPTED
    assert referral.slot == 1
    assert referral.service_due_at - referral.accepted_at == dt.timedelta(days=7)
    assert need_status(referral.need) == Need.Status.REFERRED
    assert Notification.objects.filter(recipient=desk, kind="accepted").count() == 1


def test_urgent_needs_get_the_shorter_first_service_deadline(referral, station):
    Need.objects.filter(pk=referral.need_id).update(urgency=Need.Urgency.URGENT)
    referral = services.referral_accept(referral=referral, by=station.staff)
    assert referral.service_due_at - referral.accepted_at == dt.timedelta(days=2)


def test_a_full_station_refuses_with_a_clear_message_and_nothing_changes(
    engine, desk, station, place
):
    accepted = []
    for number in range(3):
        household = HouseholdFactory(region=place["village"])
        MemberFactory(household=household)
        need = NeedFactory(household=household)
        intake = services.intake_open(by=desk, source=IntakeCase.Source.VISIT, need=need)
        referral = services.referral_send(intake=intake, provider_id=station.provider_id, by=desk)
        if number < 2:
            accepted.append(services.referral_accept(referral=referral, by=station.staff))
    with pytest.raises(CapacityFull) as error:
        services.referral_accept(referral=referral, by=station.staff)
    assert "2 open cases of 2" in str(error.value)
    referral.refresh_from_db()
    assert referral.status == Status.SENT and referral.slot is None
    assert sorted(r.slot for r in accepted) == [1, 2]
    # Finishing a case frees its slot, and the next acceptance takes that slot.
    services.referral_close(
        referral=accepted[0], by=station.staff, reason=Referral.CloseReason.UNREACHABLE
    )
    assert services.referral_accept(referral=referral, by=station.staff).slot == 1


# --- declining and returning to the desk ------------------------------------------------------


def test_declining_returns_the_case_with_the_decliner_left_out(referral, station, desk, engine):
    services.referral_decline(
        referral=referral, by=station.staff, reason=Referral.DeclineReason.FULL, note="满员"
    )
    referral.refresh_from_db()
    assert referral.status == Status.DECLINED and referral.decline_reason == "full"
    assert need_status(referral.need) == Need.Status.OPEN
    intake = IntakeCase.objects.get(pk=referral.intake_id)
    assert intake.status == IntakeCase.Status.OPEN
    assert engine.calls[-1]["exclude"] == {station.provider_id}
    assert intake.candidate_count == 2
    candidates = selectors.intake_candidates(intake)
    assert [c.provider_id for c in candidates if c.kind == "station"] != [station.provider_id]
    assert (referral.need_id, station.provider_id) in selectors.declined_pairs([referral.need_id])
    event = referral.events.last()
    assert (event.action, event.by, event.reason, event.note) == (
        "declined",
        station.staff,
        "full",
        "满员",
    )
    assert Notification.objects.filter(recipient=desk, kind="declined").exists()


def test_declining_needs_a_reason_from_the_list(referral, station):
    with pytest.raises(ValidationError):
        services.referral_decline(referral=referral, by=station.staff, reason="bored")
    with pytest.raises(ValidationError):
        services.referral_decline(
            referral=referral, by=station.staff, reason=Referral.DeclineReason.OTHER
        )
    assert Referral.objects.get(pk=referral.pk).status == Status.SENT


def test_the_decliner_cannot_be_sent_the_same_need_again(referral, intake, station, desk):
    services.referral_decline(
        referral=referral, by=station.staff, reason=Referral.DeclineReason.NOT_OFFERED
    )
    with pytest.raises(ReferralError, match="already declined"):
        services.referral_send(intake=intake, provider_id=station.provider_id, by=desk)


# --- service, completion, closing ------------------------------------------------------------


def test_the_first_session_puts_the_case_and_the_need_in_service(accepted, station):
    log_session(accepted, station.staff)
    referral = Referral.objects.get(pk=accepted.pk)
    assert referral.status == Status.IN_SERVICE
    assert referral.first_service_on == timezone.localdate()
    assert need_status(referral.need) == Need.Status.IN_SERVICE
    log_session(referral, station.staff)
    referral.refresh_from_db()
    assert referral.status == Status.IN_SERVICE
    assert referral.sessions.count() == 2
    assert referral.events.filter(action="in_service").count() == 1


def test_a_session_cannot_be_in_the_future(accepted, station):
    with pytest.raises(ValidationError):
        services.service_session_log(
            referral=accepted,
            by=station.staff,
            held_on=timezone.localdate() + dt.timedelta(days=1),
            duration_minutes=30,
            category=care(),
        )


def test_completing_meets_the_need_frees_the_slot_and_asks_for_feedback(accepted, station, desk):
    log_session(accepted, station.staff)
    referral = services.referral_complete(
        referral=Referral.objects.get(pk=accepted.pk), by=station.staff, outcome="已康复"
    )
    assert referral.status == Status.COMPLETED and referral.slot is None
    need = Need.objects.get(pk=referral.need_id)
    assert need.status == Need.Status.MET and need.closed_on == timezone.localdate()
    assert IntakeCase.objects.get(pk=referral.intake_id).status == IntakeCase.Status.CLOSED
    assert Notification.objects.filter(recipient=desk, kind="completed").exists()
    assert selectors.holding_count(station.provider_id) == 0


@pytest.mark.parametrize(
    ("reason", "need_after", "intake_after"),
    [
        (Referral.CloseReason.DECEASED, Need.Status.WITHDRAWN, IntakeCase.Status.CLOSED),
        (Referral.CloseReason.RESOLVED_OTHERWISE, Need.Status.MET, IntakeCase.Status.CLOSED),
        (Referral.CloseReason.UNREACHABLE, Need.Status.OPEN, IntakeCase.Status.OPEN),
    ],
)
def test_closing_without_service_decides_the_need_by_its_reason(
    accepted, station, reason, need_after, intake_after
):
    referral = services.referral_close(referral=accepted, by=station.staff, reason=reason)
    assert referral.status == Status.CLOSED and referral.close_reason == reason
    assert need_status(referral.need) == need_after
    assert IntakeCase.objects.get(pk=referral.intake_id).status == intake_after


def test_staff_revoke_a_live_referral_and_the_station_hears_of_it(accepted, desk, station):
    services.referral_revoke(referral=accepted, by=desk, note="家属已另行安排")
    referral = Referral.objects.get(pk=accepted.pk)
    assert referral.status == Status.REVOKED and referral.slot is None
    assert need_status(referral.need) == Need.Status.OPEN
    assert Notification.objects.filter(recipient=station.staff, kind="revoked").exists()
    with pytest.raises(ValidationError):
        services.referral_revoke(referral=referral, by=desk, note="")


def test_feedback_after_completion_rates_the_station(
    accepted, station, desk, django_capture_on_commit_callbacks
):
    log_session(accepted, station.staff)
    referral = services.referral_complete(
        referral=Referral.objects.get(pk=accepted.pk), by=station.staff, outcome="完成"
    )
    with pytest.raises(ValidationError):
        services.feedback_record(referral=referral, by=desk, satisfaction=6)
    with django_capture_on_commit_callbacks(execute=True):
        services.feedback_record(referral=referral, by=desk, satisfaction=5, comments="很满意")
    provider = Provider.objects.get(pk=station.provider_id)
    # (3 × 3 + 5) / (3 + 1): one happy household moves the rating, it does not make it 5.
    assert provider.quality_rating == Decimal("3.50")
    assert provider.rated_outcomes == 1
    with pytest.raises(ReferralError, match="already recorded"):
        services.feedback_record(referral=referral, by=desk, satisfaction=1)
    assert referral.events.last().action == ReferralEvent.Action.FEEDBACK


# --- forbidden --------------------------------------------------------------------------------


def test_the_lifecycle_refuses_what_it_does_not_allow(referral, station, desk):
    with pytest.raises(InvalidTransition):
        services.referral_complete(referral=referral, by=station.staff, outcome="跳过")
    with pytest.raises(ReferralError, match="accepted referral"):
        log_session(referral, station.staff)
    with pytest.raises(ReferralError, match="once the service has ended"):
        services.feedback_record(referral=referral, by=desk, satisfaction=4)
    services.referral_accept(referral=referral, by=station.staff)
    with pytest.raises(InvalidTransition):
        services.referral_decline(
            referral=referral, by=station.staff, reason=Referral.DeclineReason.FULL
        )
    services.referral_revoke(referral=referral, by=desk, note="家属拒绝")
    with pytest.raises(InvalidTransition):
        services.referral_revoke(referral=referral, by=desk, note="再撤一次")
    # Once revoked, the referral is no longer the station's to act on at all.
    with pytest.raises(PermissionDenied):
        services.referral_accept(referral=referral, by=station.staff)
    assert Referral.objects.get(pk=referral.pk).status == Status.REVOKED


def test_only_the_station_it_was_sent_to_answers_a_referral(referral, other_station, desk):
    for user in (other_station.staff, desk):
        with pytest.raises(PermissionDenied):
            services.referral_accept(referral=referral, by=user)
        with pytest.raises(PermissionDenied):
            services.referral_decline(
                referral=referral, by=user, reason=Referral.DeclineReason.FULL
            )
    assert Referral.objects.get(pk=referral.pk).status == Status.SENT


def test_station_staff_cannot_refer_or_revoke(referral, intake, station, other_station):
    with pytest.raises(PermissionDenied):
        services.referral_revoke(referral=referral, by=station.staff, note="不想做")
    with pytest.raises(PermissionDenied):
        services.intake_route(intake=intake, by=station.staff)


def test_every_transition_leaves_who_when_and_why(accepted, station, desk):
    log_session(accepted, station.staff)
    referral = services.referral_complete(
        referral=Referral.objects.get(pk=accepted.pk), by=station.staff, outcome="完成"
    )
    services.feedback_record(referral=referral, by=desk, satisfaction=4)
    rows = list(referral.events.values_list("action", "from_status", "to_status", "by__username"))
    assert rows == [
        ("sent", "", "sent", "desk"),
        ("accepted", "sent", "accepted", "station_staff"),
        ("in_service", "accepted", "in_service", "station_staff"),
        ("completed", "in_service", "completed", "station_staff"),
        ("feedback", "", "", "desk"),
    ]
    assert all(event.at for event in referral.events.all())


def test_a_calls_case_gets_its_need_and_can_then_be_referred(engine, desk, place, need, station):
    intake = services.intake_open(
        by=desk,
        source=IntakeCase.Source.PUBLIC_FORM,
        township=place["town"],
        description="网上求助：老人需要照料",
    )
    intake = services.intake_attach_need(intake=intake, need=need, by=desk)
    assert intake.need == need and intake.region == need.household.region
    assert intake.candidate_count == 3
    with pytest.raises(ValidationError, match="already has its need"):
        services.intake_attach_need(intake=intake, need=need, by=desk)
    referral = services.intake_route(intake=intake, by=desk)
    assert referral.provider == station.provider


def test_a_need_from_another_township_cannot_answer_a_call(engine, desk, place, county_staff):
    household = HouseholdFactory(region=place["other_village"])
    MemberFactory(household=household)
    elsewhere = NeedFactory(household=household)
    intake = services.intake_open(
        by=county_staff,
        source=IntakeCase.Source.HOTLINE,
        township=place["town"],
        description="12349来电",
    )
    with pytest.raises(ValidationError, match="another township"):
        services.intake_attach_need(intake=intake, need=elsewhere, by=county_staff)
