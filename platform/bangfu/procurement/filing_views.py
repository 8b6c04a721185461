"""The filings (备案) inbox of the bureau above, its answers, and the filings' documents."""

from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from bangfu.accounts.scoping import holds_role_over
from bangfu.core.views import service_call
from bangfu.procurement import selectors, services
from bangfu.procurement.forms import FilingAcknowledgeForm, FilingInboxFilter, ReturnForm
from bangfu.procurement.models import Filing, FilingDocument
from bangfu.procurement.roles import EDIT_ROLES
from bangfu.procurement.views import reader_required

ANSWERS = {
    # action: (form, its prefix, service, success message)
    "acknowledge": (
        FilingAcknowledgeForm,
        "ack",
        lambda filing, user, data: services.filing_acknowledge(filing=filing, by=user, **data),
        _("The filing (备案) was acknowledged; the buying bureau was told."),
    ),
    "return": (
        ReturnForm,
        "ret",
        lambda filing, user, data: services.filing_return(filing=filing, by=user, **data),
        _("The filing (备案) went back with your reason; the buying bureau was told."),
    ),
}


def _inbox_page(request, *, answering: Filing | None = None, form=None, status: int = 200):
    user = request.user
    regions = selectors.visible_regions(user).order_by("level", "code")
    default_region = regions.first()
    year = timezone.localdate().year
    filters = FilingInboxFilter(
        request.GET or None, user=user, initial={"year": year, "region": default_region}
    )
    region, wanted = default_region, ""
    if filters.is_bound and filters.is_valid():
        year, region = filters.cleaned_data["year"], filters.cleaned_data["region"]
        wanted = filters.cleaned_data["status"]
    filings, units, answers = [], [], {}
    if region is not None:
        for filing in selectors.filing_inbox(user=user, region=region, year=year, status=wanted):
            if filing.filed_with_id not in answers:
                answers[filing.filed_with_id] = holds_role_over(user, EDIT_ROLES, filing.filed_with)
            mine = answering is not None and filing.pk == answering.pk
            filings.append(
                {
                    "filing": filing,
                    "may_answer": filing.status == Filing.Status.SENT
                    and answers[filing.filed_with_id],
                    "acknowledge_form": form if mine and form.prefix == "ack" else None,
                    "return_form": form if mine and form.prefix == "ret" else None,
                }
            )
        units = selectors.filings_by_unit(user=user, region=region, year=year)
    context = {
        "filters": filters,
        "region": region,
        "year": year,
        "filings": filings,
        "units": units,
        "statuses": Filing.Status,
        "acknowledge_form": FilingAcknowledgeForm(prefix="ack"),
        "return_form": ReturnForm(prefix="ret"),
    }
    return render(request, "procurement/filing_inbox.html", context, status=status)


@never_cache
@require_GET
@reader_required
def filing_inbox(request):
    return _inbox_page(request)


@require_POST
@reader_required
def filing_answer(request, pk: int, action: str):
    if action not in ANSWERS:
        raise Http404
    filing = get_object_or_404(selectors.filings_for(request.user), pk=pk)
    form_class, prefix, call, success = ANSWERS[action]
    form = form_class(request.POST, prefix=prefix)
    if form.is_valid() and service_call(
        request, lambda: call(filing, request.user, form.cleaned_data), form=form, success=success
    ):
        # Back to the inbox as it was filtered (the form posts with the inbox's query).
        query = request.GET.urlencode()
        return redirect(reverse("procurement:filing-inbox") + (f"?{query}" if query else ""))
    return _inbox_page(request, answering=filing, form=form, status=400)


@never_cache
@require_GET
@reader_required
def filing_document(request, pk: int):
    """A filing's PDF, to those who read the filing: the buyer's bureau and the one above."""
    document = get_object_or_404(
        FilingDocument.objects.filter(filing__in=selectors.filings_for(request.user)), pk=pk
    )
    return FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=document.name,
        content_type="application/pdf",
    )
