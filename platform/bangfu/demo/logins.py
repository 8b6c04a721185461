"""The demo's log-ins: one per role, with fixed passwords printed by ``demo_load``.

The passwords are public demo passwords. They pass the project's validators (checked when the
users are made) and must never be used on a real installation.
"""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Login:
    role: Promise
    username: str
    password: str
    sees: Promise
    # What the figure after ``sees`` counts: "households" (through the registry's scoping),
    # "referrals" (answered in the providers' portal) or "offers" (of the user's charity).
    counts: str = "households"


LOGINS = (
    Login(
        _("bureau staff"),
        "bureau",
        "Yuanjiang-bureau-2026",
        _(
            "all households of the county, the referral desk, procurement, matching runs and "
            "cross-check warnings; may edit and reveal ID numbers"
        ),
    ),
    Login(
        _("bureau manager"),
        "manager",
        "Yuanjiang-manager-2026",
        _("all households of the county; approves projects, charities and offers"),
    ),
    Login(
        _("city bureau manager"),
        "city",
        "Yuxi-city-2026",
        _(
            "the Yuxi city bureau (玉溪市民政局): the county's filings (备案) to acknowledge or "
            "return, its caps and spending side by side"
        ),
    ),
    Login(
        _("auditor"),
        "auditor",
        "Yuanjiang-auditor-2026",
        _("all households of the county, read only"),
    ),
    Login(
        _("station staff"),
        "station",
        "Yinyuan-station-2026",
        _("referrals sent to the Yinyuan town social-work station, in the portal /portal/"),
        counts="referrals",
    ),
    Login(
        _("service agency staff"),
        "agency",
        "Yuanjiang-agency-2026",
        _("referrals sent to the service agency's procured projects, in the portal /portal/"),
        counts="referrals",
    ),
    Login(
        _("assistant"),
        "assistant",
        "Yinyuan-assistant-2026",
        _(
            "households of four villages of Yinyuan town; records visits and needs, "
            "verifies warnings"
        ),
    ),
    Login(
        _("township reviewer"),
        "reviewer",
        "Yinyuan-reviewer-2026",
        _(
            "households of Yinyuan town (因远镇人民政府); confirms or rejects the assistants' "
            "recommendations (纳入、退出、调整) with the benefits system's decision number"
        ),
    ),
    Login(
        _("volunteer"),
        "volunteer",
        "Anding-volunteer-2026",
        _("own volunteer profile and the tasks referred to them, in the portal /portal/"),
        counts="referrals",
    ),
    Login(
        _("charity staff"),
        "charity",
        "Yuanjiang-charity-2026",
        _("no personal data; the charity's offers and anonymised matches, at /charity/"),
        counts="offers",
    ),
    # 三员分立: three administrators, none of whom reads a household.
    Login(
        _("system administrator"),
        "sysadmin",
        "Yuanjiang-sysadmin-2026",
        _("no personal data; users, organisations, regions and policy values in /admin/"),
    ),
    Login(
        _("security administrator"),
        "secadmin",
        "Yuanjiang-secadmin-2026",
        _("no personal data; roles, unlocking accounts and resetting second factors in /admin/"),
    ),
    Login(
        _("audit administrator"),
        "auditadmin",
        "Yuanjiang-auditadmin-2026",
        _("no personal data; reads and exports the audit log and security events at /staff/audit/"),
    ),
    Login(
        _("administrator"),
        "admin",
        "Yuanjiang-admin-2026",
        _("everything; configuration in /admin/, the public site's pages in /cms-admin/"),
    ),
)

BY_USERNAME = {login.username: login for login in LOGINS}
