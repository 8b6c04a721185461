"""Exports of the household list: masked for everyone, unmasked for a stated purpose, large ones
in the background. The only code that writes what an export leaves behind (audit entries, jobs).

- An export is masked (names, ID numbers, phones, house numbers; no illness details) unless an
  unmasked one is asked for.
- An unmasked export is for a role that may reveal ID numbers over a region: bureau staff and
  managers, never an assistant or an auditor. It covers only the regions where the user holds
  such a role, needs a purpose, and is limited per user and day by the policy
  ``unmasked_exports_per_day`` of those regions (the strictest one applies).
- Each unmasked export is audited: one auditlog "access" entry on the user who exported it (its
  filters, rows, households and purpose) and one "access" entry per household exported, as a
  reveal on the detail page does. Every export names its user and time on every sheet.
- Above the policy's ``background_rows`` ledger rows an export runs as a Celery task
  (``export_households_task``) into a ``BackgroundJob``: its page shows the progress, and only
  the user who asked downloads the file, each download audited.
- The ledger is read outside any transaction: on the read replica, when there is one, for the
  views that read there and for the task (``bangfu.core.db_router``); what an export writes
  (audit entries, the job's progress and result) goes to the primary.
"""

import datetime as dt
import io
import secrets
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from auditlog.cid import get_cid
from auditlog.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from bangfu.accounts.models import Membership
from bangfu.accounts.scoping import IDENTITY_ROLES, REGION_ROLES, scope_for
from bangfu.core.audit_chain import seal_on_commit
from bangfu.core.db_router import use_replica
from bangfu.core.jobs import job_finish, job_progress, job_queue, job_run
from bangfu.core.masking import mask_id_number
from bangfu.core.models import BackgroundJob
from bangfu.core.spreadsheets import WorkbookStamp
from bangfu.regions.models import Region, within_any
from bangfu.regions.policy import Policy
from bangfu.registry.ledger.exporting import (
    LedgerWritten,
    ledger_households,
    ledger_households_by_pk,
    write_ledger,
)
from bangfu.registry.ledger.limits import limits_for_user
from bangfu.registry.models import Household, Member

# Roles that may reveal ID numbers and hold them over a region (bureau staff and managers).
UNMASKED_ROLES = IDENTITY_ROLES & REGION_ROLES
AUDIT_KEY = "export"  # in additional_data: the audit entry of one export
DOWNLOAD_KEY = "export_download"  # in additional_data: a download of a background export
EXPORT_NAME = "registry.households"
JOB_KIND = "registry.household_export"
PURPOSE_MIN_LENGTH = 6  # "年度复核核对": a purpose shorter than this says nothing
AUDIT_BATCH = 2000


@dataclass(frozen=True)
class ExportRights:
    unmasked_paths: tuple[str, ...] | None  # regions unmasked exports reach; None: everywhere
    per_day: int
    used_today: int
    background_rows: int  # ledger rows above which an export runs in the background

    @property
    def may_unmask(self) -> bool:
        return self.unmasked_paths is None or bool(self.unmasked_paths)

    @property
    def left_today(self) -> int:
        return max(0, self.per_day - self.used_today) if self.may_unmask else 0


def export_rights(by) -> ExportRights:
    """What ``by`` may export. The daily limit is the strictest of the policies of the regions
    where they hold a role that may unmask (the national one for a superuser); the threshold of
    the background is the ledger imports' (``limits_for_user``)."""
    year = timezone.localdate().year
    if scope_for(by).everything:
        # A region with an empty path reads only the policy that applies everywhere.
        unmasked_paths, policies = None, [Policy(Region(path=""), year)]
    else:
        regions = [
            membership.organisation.region
            for membership in Membership.objects.filter(
                user=by, is_active=True, organisation__is_active=True, role__in=UNMASKED_ROLES
            ).select_related("organisation__region")
        ]
        unmasked_paths = tuple(sorted({region.path for region in regions}))
        policies = [Policy(region, year) for region in regions]
    per_day = min(
        (
            value
            for policy in policies
            if (value := policy.get("unmasked_exports_per_day")) is not None
        ),
        default=0,  # without a policy in force nothing unmasked leaves
    )
    return ExportRights(
        unmasked_paths=unmasked_paths,
        per_day=per_day,
        used_today=_unmasked_today(by) if policies else 0,
        background_rows=limits_for_user(by).background_rows,
    )


def _unmasked_today(by) -> int:
    """Unmasked exports made today, and those still being prepared in the background."""
    start = timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time.min))
    made = LogEntry.objects.filter(
        actor=by,
        action=LogEntry.Action.ACCESS,
        timestamp__gte=start,
        **{f"additional_data__{AUDIT_KEY}": EXPORT_NAME, "additional_data__unmasked": True},
    ).count()
    preparing = BackgroundJob.objects.filter(
        user=by,
        kind=JOB_KIND,
        created_at__gte=start,
        status__in=[BackgroundJob.Status.QUEUED, BackgroundJob.Status.RUNNING],
        params__unmasked=True,
    ).count()
    return made + preparing


def ledger_rows(households) -> int:
    """The rows the ledger of ``households`` will have: one per member, one per empty
    household."""
    pks = households.order_by().values("pk")
    members = Member.objects.filter(household__in=pks).count()
    return members + households.order_by().filter(members=None).count()


def runs_in_background(rights: ExportRights, rows: int) -> bool:
    return rows > rights.background_rows


def _granted(*, by, unmasked: bool, purpose: str) -> ExportRights:
    """The rights of ``by``, checked for the export asked for; raises PermissionDenied or a
    ValidationError (on ``purpose``, or on the export as a whole for the day's limit)."""
    if unmasked:
        # Lock the user's row: two exports asked at once are counted one after the other.
        get_user_model().objects.select_for_update().only("pk").get(pk=by.pk)
    rights = export_rights(by)
    if not unmasked:
        return rights
    if not rights.may_unmask:
        raise PermissionDenied(_("Your role cannot export full names and ID numbers."))
    if len(purpose.strip()) < PURPOSE_MIN_LENGTH:
        raise ValidationError(
            {
                "purpose": _("Say what the full names and ID numbers are needed for.")
                if not purpose.strip()
                else _("Say in at least %(count)d characters what the export is for.")
                % {"count": PURPOSE_MIN_LENGTH}
            }
        )
    if rights.left_today <= 0:
        raise ValidationError(
            _(
                "You have made %(count)d unmasked exports today, as many as the policy allows "
                "in a day. Export masked, or ask again tomorrow."
            )
            % {"count": rights.used_today},
            code="limit",
        )
    return rights


def _unmasked_area(households, rights: ExportRights):
    if rights.unmasked_paths is None:
        return households
    return households.filter(within_any(rights.unmasked_paths, "region"))


def _stamp(by, *, unmasked: bool, purpose: str) -> WorkbookStamp:
    note = (
        _("Unmasked: full names and ID numbers. Purpose: %(purpose)s")
        % {"purpose": purpose.strip()}
        if unmasked
        else _("Masked")
    )
    return WorkbookStamp.for_user(by, note=note)


def households_export(
    *, households, by, unmasked: bool = False, purpose: str = "", filters: dict | None = None
) -> bytes:
    """The households (scoped and filtered by the caller) as an .xlsx ledger, made now.

    An unmasked export is granted before the ledger is read, and granted again, under the lock
    of the user's row, in the transaction that audits it: of two asked at once past the day's
    limit, the second is refused.
    """
    with transaction.atomic():
        rights = _granted(by=by, unmasked=unmasked, purpose=purpose)
    if unmasked:
        households = _unmasked_area(households, rights)
    buffer = io.BytesIO()
    written = write_ledger(
        ledger_households(households),
        buffer,
        reveal_identity=unmasked,
        stamp=_stamp(by, unmasked=unmasked, purpose=purpose),
    )
    if unmasked:
        # Read where the ledger was read: the households audited are those in the file.
        numbers = list(households.order_by().values_list("pk", "registry_number"))
        with transaction.atomic():
            _granted(by=by, unmasked=unmasked, purpose=purpose)
            _audit(by=by, numbers=numbers, written=written, purpose=purpose, filters=filters or {})
    return buffer.getvalue()


@transaction.atomic
def households_export_start(
    *, households, by, unmasked: bool = False, purpose: str = "", filters: dict | None = None
) -> BackgroundJob:
    """Queue the export of the households as a background job for ``by``.

    The households are frozen now (the list's filters may rest on a search kept in the user's
    session, which the worker cannot read), in the list's order.
    """
    from bangfu.registry.tasks import export_households_task

    rights = _granted(by=by, unmasked=unmasked, purpose=purpose)
    if unmasked:
        households = _unmasked_area(households, rights)
    pks = list(households.values_list("pk", flat=True))
    return job_queue(
        task=export_households_task,
        kind=JOB_KIND,
        user=by,
        total=len(pks),
        params={
            "households": pks,
            "unmasked": unmasked,
            "purpose": purpose.strip(),
            "filters": filters or {},
        },
    )


def households_export_run(*, job_id: int) -> None:
    """The task's body: write the file of a queued export, once (``bangfu.core.jobs``)."""

    def work(job: BackgroundJob) -> dict:
        params = job.params
        with (
            translation.override(params["language"]),
            tempfile.TemporaryFile() as spool,
        ):
            # The progress is a write: it goes to the primary, which the job's page reads.
            with use_replica():
                written = write_ledger(
                    ledger_households_by_pk(params["households"]),
                    spool,
                    reveal_identity=params["unmasked"],
                    stamp=_stamp(job.user, unmasked=params["unmasked"], purpose=params["purpose"]),
                    progress=lambda done: job_progress(job, done, job.progress_total),
                )
            spool.seek(0)
            result = {"households": written.households, "rows": written.rows}
            # The job turns done together with its file and its audit entries, or not at all:
            # a second delivery of the task waits on the job's row, then finds it done.
            with transaction.atomic():
                job_finish(job, result=result)
                name = f"households-{timezone.localdate():%Y%m%d}-{secrets.token_urlsafe(18)}.xlsx"
                job.result_file.save(name, File(spool), save=False)
                BackgroundJob.objects.filter(pk=job.pk).update(result_file=job.result_file.name)
                if params["unmasked"]:
                    _audit(
                        by=job.user,
                        numbers=_registry_numbers(params["households"]),
                        written=written,
                        purpose=params["purpose"],
                        filters=params["filters"],
                        job=job,
                    )
        return result

    job_run(job_id=job_id, work=work)


def export_jobs(by):
    """``by``'s export jobs: another user's export is never found."""
    return BackgroundJob.objects.filter(kind=JOB_KIND, user=by)


def describe_filters(filterset) -> dict:
    """The list filters of an export, for its audit entry: a search is kept masked, as it may
    be an ID or phone number."""
    described = {}
    for name, value in filterset.form.cleaned_data.items():
        if value in (None, "", []):
            continue
        described[name] = mask_id_number(value) if name == "q" else str(value)
    return described


@transaction.atomic
def export_job_download(*, job: BackgroundJob, by) -> File:
    """The file of a finished export job, for the user who asked for it; audited."""
    if job.user_id != by.pk:
        raise PermissionDenied(_("This export was made for someone else."))
    if job.status != BackgroundJob.Status.DONE or not job.result_file:
        raise PermissionDenied(_("This export is not ready."))
    LogEntry.objects.log_create(
        by,
        force_log=True,
        action=LogEntry.Action.ACCESS,
        actor=by,
        additional_data={
            DOWNLOAD_KEY: EXPORT_NAME,
            "job": job.pk,
            "unmasked": job.params["unmasked"],
        },
    )
    return job.result_file.open("rb")


def _registry_numbers(pks: list[int]) -> Iterator[tuple[int, str]]:
    for start in range(0, len(pks), AUDIT_BATCH):
        yield from Household.objects.filter(pk__in=pks[start : start + AUDIT_BATCH]).values_list(
            "pk", "registry_number"
        )


def _audit(
    *,
    by,
    numbers: Iterable[tuple[int, str]],
    written: LedgerWritten,
    purpose: str,
    filters: dict,
    job=None,
) -> None:
    """One entry for the export, on the user who made it, and one per household exported; all
    share a correlation id: the request's if it has one, else one of their own."""
    cid = get_cid() or (
        f"{JOB_KIND}:{job.pk}" if job is not None else f"{EXPORT_NAME}:{secrets.token_hex(8)}"
    )
    LogEntry.objects.log_create(
        by,
        force_log=True,
        action=LogEntry.Action.ACCESS,
        actor=by,
        cid=cid,
        additional_data={
            AUDIT_KEY: EXPORT_NAME,
            "unmasked": True,
            "purpose": purpose.strip(),
            "filters": filters,
            "households": written.households,
            "rows": written.rows,
            "job": job.pk if job is not None else None,
        },
    )
    content_type = ContentType.objects.get_for_model(Household)
    audited = LogEntry.objects.bulk_create(
        (
            LogEntry(
                content_type=content_type,
                object_pk=str(pk),
                object_id=pk,
                object_repr=number,
                action=LogEntry.Action.ACCESS,
                actor=by,
                cid=cid,
                additional_data={"revealed": "ledger_export"},
            )
            for pk, number in numbers
        ),
        batch_size=AUDIT_BATCH,
    )
    seal_on_commit(audited)
