"""A purchase paid from the aid funds is filed (备案) with the bureau one level up: sent with its
documents and figures, returned with a reason or acknowledged, sent again after a return. The
project is approved once the filing is sent, and starts once it is acknowledged; each refusal
stays in the project's history, and both bureaus are told of each step."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from bangfu.accounts.models import Membership, Organisation
from bangfu.procurement import services
from bangfu.procurement.models import Filing, FundingSource, Project, ProjectTransition
from bangfu.referrals.models import Notification
from tests.factories import OrganisationFactory, UserFactory, member_of

from .conftest import YEAR

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
REASON = "缺少项目实施方案"


def pdf(name: str = "备案表.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def bureau_user(username: str, region, role=Membership.Role.BUREAU_STAFF):
    user = UserFactory(username=username)
    bureau = Organisation.objects.filter(kind=Organisation.Kind.BUREAU, region=region).first()
    member_of(user, bureau or OrganisationFactory(region=region, name=f"{region.name}民政局"), role)
    return user


@pytest.fixture
def city_staff(county):
    """Staff of the bureau of the county's city: the bureau the county files with."""
    return bureau_user("city_staff", county.parent)


@pytest.fixture
def city_manager(county, city_staff):
    return bureau_user("city_manager", county.parent, Membership.Role.BUREAU_MANAGER)


@pytest.fixture
def other_city_staff(county_b):
    """Staff of the bureau of another city (that of county B)."""
    return bureau_user("other_city_staff", county_b[0].parent)


@pytest.fixture
def aid_project(funded, submitted):
    """A submitted project of 4,000.00 yuan paid from the aid funds."""
    return submitted(name="特困老人居家照料", source=FundingSource.SUBSIDY)


@pytest.fixture
def sent(aid_project, staff):
    return services.filing_send(project=aid_project, by=staff, documents=[pdf()])


def history(project) -> list[ProjectTransition]:
    return list(ProjectTransition.objects.filter(project=project).order_by("at", "pk"))


def inbox(**query) -> str:
    return reverse("procurement:filing-inbox") + (
        "?" + "&".join(f"{key}={value}" for key, value in query.items()) if query else ""
    )


def answer(filing, action: str) -> str:
    return reverse("procurement:filing-answer", args=[filing.pk, action])


def document_url(filing) -> str:
    return reverse("procurement:filing-document", args=[filing.documents.get().pk])


# --- the round trip ----------------------------------------------------------------------------


def test_the_round_trip_sent_returned_sent_again_acknowledged_and_the_project_starts(
    aid_project, staff, manager, city_staff
):
    county = aid_project.region
    # sent to the bureau of the city above, with the figures of the moment
    filing = services.filing_send(project=aid_project, by=staff, documents=[pdf()])
    assert filing.status == Filing.Status.SENT
    assert filing.filed_with == county.parent
    assert filing.figures["amount"] == "4000.00"
    assert filing.figures["aid_fund_amount"] == "4000.00"
    assert filing.figures["lines"][0]["amount"] == "4000.00"
    assert filing.figures["cap"]["cap_amount"] == "40000.00"

    # returned with a reason: approval is refused until it is sent again
    filing = services.filing_return(filing=filing, by=city_staff, reason=REASON)
    assert (filing.status, filing.reason, filing.answered_by) == ("returned", REASON, city_staff)
    with pytest.raises(services.FilingRequired, match=REASON):
        services.project_approve(project=aid_project, by=manager)

    # sent again with a corrected document: approval goes ahead, the start waits
    filing = services.filing_send(project=aid_project, by=staff, documents=[pdf("实施方案.pdf")])
    assert (filing.status, filing.reason) == ("sent", "")
    services.project_approve(project=aid_project, by=manager)
    with pytest.raises(services.FilingRequired):
        services.project_start(project=aid_project, by=staff)

    # acknowledged under the city's reference: the project starts
    filing = services.filing_acknowledge(
        filing=filing, by=city_staff, reference="玉民备〔2026〕7号"
    )
    assert filing.reference == "玉民备〔2026〕7号"
    started = services.project_start(project=aid_project, by=staff)
    assert started.status == Project.Status.IN_PROGRESS

    steps = [(step.from_status, step.to_status, step.by) for step in filing.events.all()]
    assert steps == [
        ("", "sent", staff),
        ("sent", "returned", city_staff),
        ("returned", "sent", staff),
        ("sent", "acknowledged", city_staff),
    ]
    assert filing.events.get(to_status="returned").reason == REASON
    assert sorted(filing.documents.values_list("name", flat=True)) == ["备案表.pdf", "实施方案.pdf"]


def test_an_acknowledged_or_pending_filing_is_not_sent_twice(sent, aid_project, staff):
    with pytest.raises(ValidationError):
        services.filing_send(project=aid_project, by=staff, documents=[pdf()])


def test_a_return_needs_a_reason_and_an_acknowledgement_its_reference(sent, city_staff):
    with pytest.raises(ValidationError) as no_reason:
        services.filing_return(filing=sent, by=city_staff, reason="  ")
    assert "reason" in no_reason.value.error_dict
    with pytest.raises(ValidationError) as no_reference:
        services.filing_acknowledge(filing=sent, by=city_staff, reference="")
    assert "reference" in no_reference.value.error_dict
    assert Filing.objects.get(pk=sent.pk).status == Filing.Status.SENT


def test_only_the_bureau_above_answers_a_filing(sent, staff, manager):
    for county_user in (staff, manager):
        with pytest.raises(PermissionDenied):
            services.filing_acknowledge(filing=sent, by=county_user, reference="1")
    assert Filing.objects.get(pk=sent.pk).status == Filing.Status.SENT


# --- refusals in the project's history ---------------------------------------------------------


def test_approval_without_a_filing_is_refused_and_the_refusal_stays_in_the_history(
    aid_project, manager
):
    with pytest.raises(services.FilingRequired, match=r"4,000\.00"):
        services.project_approve(project=aid_project, by=manager)

    # the step's own transaction rolled back; the refusal, written after it, stays
    assert Project.objects.get(pk=aid_project.pk).status == Project.Status.SUBMITTED
    refusal = history(aid_project)[-1]
    assert refusal.is_refusal
    assert (refusal.from_status, refusal.to_status, refusal.by) == (
        "submitted",
        "submitted",
        manager,
    )
    assert "4,000.00" in refusal.note and "备案" in refusal.note


def test_approval_of_a_returned_filing_is_refused_on_the_page_and_in_the_history(
    client, sent, aid_project, manager, city_staff
):
    services.filing_return(filing=sent, by=city_staff, reason=REASON)
    client.force_login(manager)

    response = client.post(reverse("procurement:project-action", args=[aid_project.pk, "approve"]))

    content = response.content.decode()
    assert response.status_code == 400
    errors = content[content.index('id="action-errors"') :][:800]
    assert REASON in errors and "4,000.00" in errors
    assert Project.objects.get(pk=aid_project.pk).status == Project.Status.SUBMITTED
    refusal = history(aid_project)[-1]
    assert refusal.is_refusal and REASON in refusal.note
    page = client.get(reverse("procurement:project-detail", args=[aid_project.pk])).content
    history_part = page.decode()[page.decode().index('id="history-title"') :]
    assert 'class="refusal"' in history_part and REASON in history_part


def test_a_refused_start_is_recorded_too(sent, aid_project, staff, manager):
    services.project_approve(project=aid_project, by=manager)
    with pytest.raises(services.FilingRequired):
        services.project_start(project=aid_project, by=staff)
    refusal = history(aid_project)[-1]
    assert (refusal.to_status, refusal.by) == ("approved", staff) and refusal.is_refusal
    assert Project.objects.get(pk=aid_project.pk).status == Project.Status.APPROVED


def test_refusals_for_other_reasons_leave_no_event(aid_project, staff):
    before = len(history(aid_project))
    with pytest.raises(PermissionDenied):
        services.project_approve(project=aid_project, by=staff)  # a role, not a filing
    assert len(history(aid_project)) == before


def test_work_funds_need_no_filing(funded, submitted, manager):
    project = services.project_approve(project=submitted(), by=manager)
    assert project.status == Project.Status.APPROVED
    assert not any(event.is_refusal for event in history(project))


def test_only_aid_fund_projects_are_filed(funded, submitted, staff):
    project = submitted(source=FundingSource.WORK_FUNDS)
    with pytest.raises(ValidationError):
        services.filing_send(project=project, by=staff, documents=[pdf()])
    assert not Filing.objects.exists()


# --- notices to both sides ---------------------------------------------------------------------


def test_both_bureaus_are_notified_of_each_step(
    aid_project, staff, manager, city_staff, city_manager, other_city_staff
):
    filing = services.filing_send(project=aid_project, by=staff, documents=[pdf()])
    received = Notification.objects.filter(kind=Notification.Kind.FILING_SENT)
    assert {n.recipient for n in received} == {city_staff, city_manager}
    assert "特困老人居家照料" in received.first().message
    assert received.first().url.startswith(reverse("procurement:filing-inbox"))

    services.filing_return(filing=filing, by=city_staff, reason=REASON)
    returned = Notification.objects.filter(kind=Notification.Kind.FILING_RETURNED)
    # the project's creator (staff) and the county's bureau editors
    assert {n.recipient for n in returned} == {staff, manager}
    assert REASON in returned.first().message
    assert returned.first().url == reverse("procurement:project-detail", args=[aid_project.pk])

    filing = services.filing_send(project=aid_project, by=staff, documents=[pdf()])
    services.filing_acknowledge(filing=filing, by=city_manager, reference="玉民备〔2026〕8号")
    acknowledged = Notification.objects.filter(kind=Notification.Kind.FILING_ACKNOWLEDGED)
    assert {n.recipient for n in acknowledged} == {staff, manager}
    assert "玉民备〔2026〕8号" in acknowledged.first().message
    assert not Notification.objects.filter(recipient=other_city_staff).exists()
    assert Notification.objects.filter(kind=Notification.Kind.FILING_SENT).count() == 4


# --- the inbox, the documents, and who sees them ----------------------------------------------


def test_the_city_answers_in_its_inbox_and_sees_its_counties_side_by_side(
    client, sent, aid_project, city_staff
):
    city, county = aid_project.region.parent, aid_project.region
    client.force_login(city_staff)

    page = client.get(inbox(year=YEAR, region=city.pk, status="sent"))
    content = page.content.decode()
    assert page.status_code == 200
    assert "特困老人居家照料" in content and f'id="filing-{sent.pk}"' in content
    assert "4,000.00" in content and "备案表.pdf" in content
    assert 'name="acknowledge-filing"' in content
    [unit] = page.context["units"]
    assert unit.cap.region == county
    assert unit.by_status == {"sent": 1, "returned": 0, "acknowledged": 0}
    assert unit.cap.cap_amount == 40000 and unit.cap.committed == 0
    assert "40,000.00" in content[content.index('id="filing-units"') :]

    query = f"year={YEAR}&region={city.pk}&status=sent"
    answered = client.post(f"{answer(sent, 'acknowledge')}?{query}", {"ack-reference": "玉民备1号"})
    assert answered.status_code == 302
    assert answered["Location"] == f"{reverse('procurement:filing-inbox')}?{query}"
    assert Filing.objects.get(pk=sent.pk).status == Filing.Status.ACKNOWLEDGED
    # filtered on "sent", the inbox no longer lists it
    assert "特困老人居家照料" not in client.get(answered["Location"]).content.decode()


def test_a_return_without_reason_is_shown_on_its_form(client, sent, city_staff):
    client.force_login(city_staff)
    response = client.post(answer(sent, "return"), {"ret-reason": ""})
    assert response.status_code == 400
    [row] = [row for row in response.context["filings"] if row["filing"].pk == sent.pk]
    assert "reason" in row["return_form"].errors
    assert Filing.objects.get(pk=sent.pk).status == Filing.Status.SENT


def test_the_buyer_and_the_bureau_above_download_the_documents(client, sent, staff, city_staff):
    for user in (staff, city_staff):
        client.force_login(user)
        response = client.get(document_url(sent))
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith("attachment")
        assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_a_bureau_of_another_city_neither_sees_nor_answers_nor_downloads_the_filing(
    client, sent, aid_project, other_city_staff
):
    client.force_login(other_city_staff)
    page = client.get(inbox(year=YEAR))
    assert page.status_code == 200
    assert "特困老人居家照料" not in page.content.decode()
    assert client.get(inbox(year=YEAR, region=aid_project.region.parent.pk)).status_code == 200
    assert client.post(answer(sent, "acknowledge"), {"ack-reference": "X"}).status_code == 404
    assert client.post(answer(sent, "return"), {"ret-reason": "X"}).status_code == 404
    assert client.get(document_url(sent)).status_code == 404
    assert Filing.objects.get(pk=sent.pk).status == Filing.Status.SENT


def test_the_buying_county_cannot_answer_its_own_filing(client, sent, manager):
    client.force_login(manager)
    assert client.post(answer(sent, "acknowledge"), {"ack-reference": "X"}).status_code == 403
    assert Filing.objects.get(pk=sent.pk).status == Filing.Status.SENT


# --- the documents -----------------------------------------------------------------------------


def test_the_county_sends_the_filing_from_the_project_page(client, aid_project, staff):
    client.force_login(staff)
    url = reverse("procurement:project-action", args=[aid_project.pk, "filing"])
    response = client.post(url, {"documents": [pdf(), pdf("实施方案.pdf")]})
    assert response.status_code == 302
    filing = Filing.objects.get(project=aid_project)
    assert filing.documents.count() == 2
    page = client.get(response["Location"]).content.decode()
    assert 'id="filing-status"' in page and "实施方案.pdf" in page


def test_a_file_that_is_not_a_pdf_is_refused_on_the_documents_field(client, aid_project, staff):
    client.force_login(staff)
    url = reverse("procurement:project-action", args=[aid_project.pk, "filing"])
    disguised = SimpleUploadedFile("方案.pdf", b"PK\x03\x04 a word file", "application/pdf")

    response = client.post(url, {"documents": [pdf(), disguised]})

    assert response.status_code == 400
    errors = response.context["filing_form"].errors
    assert list(errors) == ["documents"]
    assert "方案.pdf" in errors["documents"][0]
    assert 'class="field field-multiplefile has-error"' in response.content.decode()
    assert not Filing.objects.exists()


def test_the_service_checks_the_documents_too(aid_project, staff):
    with pytest.raises(ValidationError) as none:
        services.filing_send(project=aid_project, by=staff, documents=[])
    assert list(none.value.error_dict) == ["documents"]
    text = SimpleUploadedFile("说明.pdf", b"just text", "application/pdf")
    with pytest.raises(ValidationError) as not_pdf:
        services.filing_send(project=aid_project, by=staff, documents=[text])
    assert "说明.pdf" in not_pdf.value.error_dict["documents"][0].messages[0]
    assert not Filing.objects.exists()
