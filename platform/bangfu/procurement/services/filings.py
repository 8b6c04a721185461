"""The filing (备案) as a hand-off between two bureaus.

The bureau of the buying region sends the filing with its documents (PDF) and the project's
figures of the moment to the bureau of the region above; that bureau acknowledges it (已备案)
under its reference, or returns it with a reason, and a returned filing is sent again. Each step
is an event of the filing (``Filing.move``) and a notice to the other side
(``bangfu.core.notices``: procurement does not know who keeps the notifications). The project is
approved once its filing is sent and not returned, and starts once it is acknowledged
(``services.projects``).
"""

import os
from collections.abc import Sequence

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import ngettext

from bangfu.core import notices
from bangfu.core.lifecycle import InvalidTransition
from bangfu.core.templatetags.money import yuan
from bangfu.procurement import selectors
from bangfu.procurement.models import (
    AID_FUND,
    ZERO,
    Filing,
    FilingDocument,
    Project,
    validate_pdf,
)
from bangfu.procurement.roles import EDIT_ROLES
from bangfu.procurement.services.cap import cap_figures, require_role

MAX_DOCUMENTS = 10
# A filing goes before approval, or again after the bureau above returned it; never once the
# project runs.
SENDING_STATUSES = (Project.Status.DRAFT, Project.Status.SUBMITTED, Project.Status.APPROVED)


class FilingNotice:
    """The kinds of notice a filing sends; the app that delivers notices lists them too."""

    SENT = "filing_sent"
    RETURNED = "filing_returned"
    ACKNOWLEDGED = "filing_acknowledged"


def filing_may_send(project: Project, filing: Filing | None) -> bool:
    """Whether the project's filing may go now: needed, not under way, none pending or done."""
    return (
        project.needs_filing
        and project.status in SENDING_STATUSES
        and (filing is None or filing.status == Filing.Status.RETURNED)
    )


def _plain(value):
    """The figures as JSON, whatever their shape: amounts as strings, other objects by name."""
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if value is None or isinstance(value, bool | int | str):
        return value
    return str(value)


def filing_figures(project: Project) -> dict:
    """What the bureau above reads with the filing: the amount, the share paid from the aid
    funds, the lines, and the cap of the buying region's year as it stands."""
    cap = selectors.cap_of(region=project.region, year=project.year)
    return _plain(
        {
            "amount": project.amount,
            "aid_fund_amount": project.amount_by_source().get(AID_FUND, ZERO),
            "lines": [
                {
                    "item": line.item.name,
                    "unit": line.item.get_unit_display(),
                    "quantity": line.quantity,
                    "unit_price": line.unit_price,
                    "amount": line.amount,
                    "paid_from": line.get_funding_source_display(),
                }
                for line in project.lines.select_related("item")
            ],
            "cap": {
                **cap_figures(region=project.region, year=project.year),
                "committed": cap.committed_total if cap else ZERO,
                "paid": cap.paid_total if cap else ZERO,
            },
        }
    )


def _check_documents(documents: Sequence[UploadedFile]) -> None:
    errors = []
    if not documents:
        errors.append(_("Attach the filing's documents (PDF)."))
    elif len(documents) > MAX_DOCUMENTS:
        errors.append(
            ngettext(
                "At most %(count)s document per sending.",
                "At most %(count)s documents per sending.",
                MAX_DOCUMENTS,
            )
            % {"count": MAX_DOCUMENTS}
        )
    for document in documents:
        try:
            validate_pdf(document)
        except ValidationError as error:
            errors.extend(error.messages)
    if errors:
        raise ValidationError({"documents": errors})


def _in_site_language(text: Promise, **facts) -> str:
    """A notice's text in the platform's default language: it is stored, and e-mailed later."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(text) % facts


@transaction.atomic
def filing_send(*, project: Project, by, documents: Sequence[UploadedFile]) -> Filing:
    """Send the filing (or send it again after a return) to the bureau of the region above,
    with its documents and the project's figures of the moment."""
    project = Project.locked(project.pk, "region__parent")
    require_role(by=by, roles=EDIT_ROLES, region=project.region)
    if not project.needs_filing:
        raise ValidationError(_("Only purchases paid from the aid funds are filed (备案)."))
    filing = Filing.objects.select_for_update().filter(project=project).first()
    if project.status not in SENDING_STATUSES:
        raise ValidationError(_("A filing goes before the project starts."))
    if filing is not None and filing.status != Filing.Status.RETURNED:
        raise InvalidTransition(filing, Filing.Status.SENT)
    above = project.region.parent
    if above is None:
        raise ValidationError(_("This region has no region above to file with."))
    _check_documents(documents)
    now = timezone.now()
    sent = {
        "filed_with": above,
        "sent_by": by,
        "sent_at": now,
        "figures": filing_figures(project),
        # The answer to an earlier sending stays in the events.
        "answered_by": None,
        "answered_at": None,
        "reason": "",
    }
    if filing is None:
        filing = Filing.objects.create(project=project, status=Filing.Status.SENT, **sent)
        filing.events.create(from_status="", to_status=Filing.Status.SENT, by=by, at=now)
    else:
        filing.move(to=Filing.Status.SENT, by=by, at=now, fields=sent)
    for upload in documents:
        document = FilingDocument(
            filing=filing,
            name=os.path.basename(upload.name or "")[:200] or "document.pdf",
            size=upload.size,
            uploaded_by=by,
            uploaded_at=now,
        )
        document.file.save(upload.name or "document.pdf", upload, save=False)
        document.save()
    facts = {
        "region": project.region.name,
        "project": project.name,
        "aid": yuan(filing.figures["aid_fund_amount"]),
    }
    notices.send(
        recipients=selectors.bureau_members(above, EDIT_ROLES),
        kind=FilingNotice.SENT,
        message=_in_site_language(
            _lazy(
                "%(region)s sent the filing (备案) of the project 「%(project)s」: %(aid)s yuan "
                "paid from the aid funds."
            ),
            **facts,
        ),
        url=reverse("procurement:filing-inbox")
        + f"?year={project.year}&region={above.pk}#filing-{filing.pk}",
    )
    return filing


def _answer(filing: Filing, *, by, to: str, **fields) -> Filing:
    filing = Filing.locked(filing.pk, "project__region", "filed_with")
    require_role(by=by, roles=EDIT_ROLES, region=filing.filed_with)
    filing.move(
        to=to,
        by=by,
        reason=fields.get("reason", ""),
        fields={"answered_by": by, "answered_at": timezone.now(), **fields},
    )
    return filing


def _tell_buyer(filing: Filing, *, kind: str, message: str) -> None:
    project = filing.project
    notices.send(
        recipients=[project.created_by, *selectors.bureau_members(project.region, EDIT_ROLES)],
        kind=kind,
        message=message,
        url=reverse("procurement:project-detail", args=[project.pk]),
    )


@transaction.atomic
def filing_return(*, filing: Filing, by, reason: str) -> Filing:
    """The bureau above sends the filing back, saying why; the buyer may send it again."""
    reason = reason.strip()[:200]
    if not reason:
        raise ValidationError({"reason": _("Say why the filing goes back.")})
    filing = _answer(filing, by=by, to=Filing.Status.RETURNED, reason=reason)
    _tell_buyer(
        filing,
        kind=FilingNotice.RETURNED,
        message=_in_site_language(
            _lazy(
                "The filing (备案) of the project 「%(project)s」 was returned by %(region)s: "
                "%(reason)s"
            ),
            project=filing.project.name,
            region=filing.filed_with.name,
            reason=reason,
        ),
    )
    return filing


@transaction.atomic
def filing_acknowledge(*, filing: Filing, by, reference: str) -> Filing:
    """The bureau above acknowledges the filing (已备案) under its reference (备案号)."""
    reference = reference.strip()
    if not reference:
        raise ValidationError({"reference": _("Give the filing reference (备案号).")})
    if len(reference) > 60:
        raise ValidationError({"reference": _("A filing reference has at most 60 characters.")})
    filing = _answer(filing, by=by, to=Filing.Status.ACKNOWLEDGED, reference=reference)
    _tell_buyer(
        filing,
        kind=FilingNotice.ACKNOWLEDGED,
        message=_in_site_language(
            _lazy(
                "The filing (备案) of the project 「%(project)s」 was acknowledged by %(region)s "
                "under the reference %(reference)s."
            ),
            project=filing.project.name,
            region=filing.filed_with.name,
            reference=reference,
        ),
    )
    return filing
