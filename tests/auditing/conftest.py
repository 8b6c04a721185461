import pytest
from axes.models import AccessAttempt

from bangfu.accounts.models import Membership, Organisation
from tests.factories import OrganisationFactory, UserFactory, member_of

Role = Membership.Role


@pytest.fixture
def administrators(county_a) -> dict[str, object]:
    """The county bureau's system, security and audit administrators, by role."""
    county, _town, _village = county_a
    bureau = OrganisationFactory(kind=Organisation.Kind.BUREAU, name="元江县民政局", region=county)
    made = {}
    for role, username in (
        (Role.SYSTEM_ADMIN, "sysadmin"),
        (Role.SECURITY_ADMIN, "secadmin"),
        (Role.AUDIT_ADMIN, "auditadmin"),
    ):
        made[role] = UserFactory(username=username)
        member_of(made[role], bureau, role)
    return made


@pytest.fixture
def sysadmin(administrators):
    return administrators[Role.SYSTEM_ADMIN]


@pytest.fixture
def secadmin(administrators):
    return administrators[Role.SECURITY_ADMIN]


@pytest.fixture
def auditadmin(administrators):
    return administrators[Role.AUDIT_ADMIN]


@pytest.fixture
def lock_out():
    """``lock_out(user)``: the account locked after failed log-ins (django-axes' record)."""

    def lock(user) -> AccessAttempt:
        return AccessAttempt.objects.create(
            username=user.username,
            ip_address="10.1.2.3",
            user_agent="test",
            http_accept="*/*",
            path_info="/accounts/login/",
            get_data="",
            post_data="",
            failures_since_start=5,
        )

    return lock
