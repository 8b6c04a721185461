"""Subsidy-fund purchases are filed (备案) one level up before approval and start."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from bangfu.procurement import services
from bangfu.procurement.models import FundingSource, Project

pytestmark = pytest.mark.django_db


def test_subsidy_funded_approval_needs_a_filing(funded, submitted, manager):
    project = submitted(source=FundingSource.SUBSIDY)
    with pytest.raises(services.FilingRequired, match="备案"):
        services.project_approve(project=project, by=manager)
    assert Project.objects.get(pk=project.pk).status == Project.Status.SUBMITTED


def test_with_the_filing_recorded_approval_and_start_go_ahead(funded, submitted, manager, staff):
    project = submitted(source=FundingSource.SUBSIDY)
    filing = services.filing_record(
        project=project, by=staff, filed_on=dt.date(2026, 2, 20), reference="市民政备〔2026〕3号"
    )
    # Filed with the bureau one level up: the county's city.
    assert filing.filed_with == project.region.parent
    services.project_approve(project=project, by=manager)
    started = services.project_start(project=project, by=staff)
    assert started.status == Project.Status.IN_PROGRESS


def test_a_project_without_filing_cannot_start(funded, submitted, manager, staff):
    project = submitted(source=FundingSource.SUBSIDY)
    services.filing_record(project=project, by=staff, filed_on=dt.date(2026, 2, 20), reference="1")
    services.project_approve(project=project, by=manager)
    project.filing.delete()  # e.g. withdrawn by the bureau above after approval
    with pytest.raises(services.FilingRequired):
        services.project_start(project=project, by=staff)


def test_work_funds_need_no_filing(funded, submitted, manager):
    project = services.project_approve(project=submitted(), by=manager)
    assert project.status == Project.Status.APPROVED


def test_only_subsidy_projects_are_filed(funded, submitted, staff):
    project = submitted(source=FundingSource.WORK_FUNDS)
    with pytest.raises(ValidationError):
        services.filing_record(
            project=project, by=staff, filed_on=dt.date(2026, 2, 1), reference="1"
        )


def test_a_filing_cannot_be_dated_in_the_future(funded, submitted, staff):
    project = submitted(source=FundingSource.SUBSIDY)
    with pytest.raises(ValidationError):
        services.filing_record(
            project=project, by=staff, filed_on=dt.date(2027, 1, 1), reference="1"
        )
