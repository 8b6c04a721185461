"""Households, members and needs of the registry, read as the staff pages read them: through
the registry's selectors (``for_user``: another area's household is a 404, the same as an id
that does not exist), its search and list filters, and its audited reveal of an ID number.

Every endpoint is for users with an area of the registry (``require_registry_area``, as the
search pages): a station's staff, who reach people only through referrals, are refused. No
response is kept by a cache (``never_cache``, as the pages)."""

import re

from auditlog.models import LogEntry
from auditlog.signals import accessed
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail, PermissionDenied, ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from bangfu.accounts.scoping import require_registry_area
from bangfu.api.permissions import SearchScope
from bangfu.api.registry.decisions import (
    StatusDecisionsRequestSerializer,
    StatusDecisionsResultSerializer,
    may_decide_somewhere,
    status_decisions_upsert,
)
from bangfu.api.registry.serializers import (
    RegistryHouseholdListSerializer,
    RegistryHouseholdSearchResultSerializer,
    RegistryHouseholdSearchSerializer,
    RegistryHouseholdSerializer,
    RegistryNeedDetailSerializer,
    RegistryNeedSerializer,
    RegistryRevealedSerializer,
    member_context,
)
from bangfu.api.schema import error_responses
from bangfu.registry import selectors, services, timeline
from bangfu.registry.filters import HouseholdFilter
from bangfu.registry.ledger.limits import limits_for_user
from bangfu.registry.models import Household, Need, Tier
from bangfu.registry.search import households_matching

REGION_PREFIX = re.compile(r"\d{2,12}")
# A search answers with its first matches, as the staff search page does; ``more`` says so.
SEARCH_LIMIT = 50
SEARCH_BY_POST = (
    "Search by POST to households/search/: what a search holds (a name, an ID number, a phone) "
    "is personal data, which never goes in a URL."
)
# The list page's filters the API passes on as they are (``HouseholdFilter``).
LIST_FILTERS = ("tier", "status")
# A need's audited changes the history shows: its free text is masked in the log anyway.
NEED_HISTORY_FIELDS = ("category", "severity", "urgency", "status", "closed_on")


class RegistryView(GenericAPIView):
    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        require_registry_area(request.user)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        add_never_cache_headers(response)
        return response


def _parameter(name: str, description: str) -> OpenApiParameter:
    return OpenApiParameter(name, OpenApiTypes.STR, OpenApiParameter.QUERY, description=description)


def filtered_households(request, params, query: str = ""):
    """The household list's rows: the list page's filters, the staff search's matches for
    ``query`` and a region code prefix (``params``); all inside the user's area."""
    filterset = HouseholdFilter(
        {name: params[name] for name in LIST_FILTERS if params.get(name)},
        queryset=selectors.household_list(request.user),
        request=request,
    )
    if not filterset.is_valid():
        raise ValidationError(
            {
                name: [ErrorDetail(error["message"], code=error["code"]) for error in errors]
                for name, errors in filterset.form.errors.get_json_data().items()
            }
        )
    households = filterset.qs
    if query:
        matches = households_matching(request.user, query)
        households = households.filter(pk__in=matches.values("pk"))
    region = params.get("region", "")
    if region:
        if not REGION_PREFIX.fullmatch(region):
            raise ValidationError(
                {"region": _("Give the first digits of a region code, e.g. 530428101.")}
            )
        households = households.filter(region__code__startswith=region)
    return households


class HouseholdList(RegistryView):
    serializer_class = RegistryHouseholdListSerializer

    @extend_schema(
        summary="Households in the token's area, filtered (to search, POST to search/)",
        parameters=[
            OpenApiParameter("tier", OpenApiTypes.STR, enum=Tier.values),
            OpenApiParameter(
                "status",
                OpenApiTypes.STR,
                enum=Household.Status.values,
                description="Without it, the current households (exited ones left out).",
            ),
            _parameter("region", "A region code or its first digits (530428101: a township)."),
        ],
        responses={
            200: RegistryHouseholdListSerializer(many=True),
            **error_responses(400, 401, 403),
        },
    )
    def get(self, request):
        if "q" in request.query_params:
            raise ValidationError({"q": _(SEARCH_BY_POST)})
        page = self.paginate_queryset(filtered_households(request, request.query_params))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class HouseholdSearch(RegistryView):
    """The staff search, posted: its words (a name, an ID number, a phone) are personal data,
    which never go in a URL. It reads only, so a ``read`` token may post it."""

    serializer_class = RegistryHouseholdSearchSerializer
    permission_classes = [SearchScope]

    @extend_schema(
        summary="Search the token's area as the staff search does (names, pinyin, ID numbers …)",
        request=RegistryHouseholdSearchSerializer,
        responses={
            200: RegistryHouseholdSearchResultSerializer,
            **error_responses(400, 401, 403),
        },
    )
    def post(self, request):
        search = RegistryHouseholdSearchSerializer(data=request.data)
        search.is_valid(raise_exception=True)
        params = {name: value for name, value in search.validated_data.items() if name != "q"}
        households = filtered_households(request, params, search.validated_data["q"])
        rows = list(households.order_by("registry_number", "pk")[: SEARCH_LIMIT + 1])
        return Response(
            {
                "results": RegistryHouseholdListSerializer(rows[:SEARCH_LIMIT], many=True).data,
                "more": len(rows) > SEARCH_LIMIT,
            }
        )


class HouseholdDetail(RegistryView):
    serializer_class = RegistryHouseholdSerializer

    @extend_schema(
        summary="A household's page: members masked, needs, timeline",
        responses={200: RegistryHouseholdSerializer, **error_responses(401, 403, 404)},
    )
    def get(self, request, pk: int):
        household = get_object_or_404(selectors.household_detail(request.user), pk=pk)
        # Reading a household's file is an audited access, as on its page.
        accessed.send(Household, instance=household)
        household.timeline = timeline.household_timeline(household, request.user)
        context = member_context(request.user, timezone.localdate())
        return Response(RegistryHouseholdSerializer(household, context=context).data)


class HouseholdNeeds(RegistryView):
    serializer_class = RegistryNeedSerializer
    pagination_class = None

    @extend_schema(
        summary="A household's needs, highest priority first",
        responses={200: RegistryNeedSerializer(many=True), **error_responses(401, 403, 404)},
    )
    def get(self, request, pk: int):
        household = get_object_or_404(selectors.households_for(request.user), pk=pk)
        needs = selectors.needs_for(request.user).filter(household=household)
        return Response(RegistryNeedSerializer(needs, many=True).data)


class NeedDetail(RegistryView):
    serializer_class = RegistryNeedDetailSerializer

    @extend_schema(
        summary="A need and its history (who changed its status, urgency, severity, when)",
        responses={200: RegistryNeedDetailSerializer, **error_responses(401, 403, 404)},
    )
    def get(self, request, pk: int):
        needs = selectors.needs_for(request.user).filter(
            household__in=selectors.households_for(request.user).values("pk")
        )
        need = get_object_or_404(needs, pk=pk)
        need.history = need_history(need)
        return Response(RegistryNeedDetailSerializer(need).data)


def need_history(need: Need) -> list[dict]:
    """The need's audited changes, oldest first: recorded (at a visit), then each change of its
    service, severity, urgency or status, by whom."""
    entries = (
        LogEntry.objects.get_for_object(need)
        .filter(action__in=(LogEntry.Action.CREATE, LogEntry.Action.UPDATE))
        .select_related("actor")
        .order_by("timestamp", "pk")
    )
    history = []
    for entry in entries:
        changes = {
            name: [str(value) for value in values]
            for name, values in entry.changes_dict.items()
            if name in NEED_HISTORY_FIELDS
        }
        if entry.action == LogEntry.Action.UPDATE and not changes:
            continue  # a new priority only: the need itself did not change
        history.append(
            {
                "at": entry.timestamp,
                "action": "recorded" if entry.action == LogEntry.Action.CREATE else "changed",
                "by": str(entry.actor or ""),
                "changes": changes,
            }
        )
    return history


class MemberReveal(RegistryView):
    serializer_class = RegistryRevealedSerializer

    @extend_schema(
        summary="A member's full ID number (audited), for the roles that may reveal it",
        request=None,
        responses={200: RegistryRevealedSerializer, **error_responses(401, 403, 404)},
    )
    def post(self, request, pk: int):
        member = get_object_or_404(selectors.members_for(request.user), pk=pk)
        id_number = services.member_identity_reveal(member=member, by=request.user)
        return Response({"member_id": member.pk, "id_number": id_number})


class StatusDecisions(RegistryView):
    serializer_class = StatusDecisionsResultSerializer

    @extend_schema(
        summary="Record the benefits system's status decisions: preview, then all or nothing",
        description=(
            "Each row names a household (registry_number) or a member (id_number). With "
            "preview, 200 with every change and every problem, nothing written; otherwise "
            "400 with every problem and nothing written, or 200 with every row recorded. "
            "At most as many rows as a ledger import of the user's region may have."
        ),
        parameters=[
            OpenApiParameter(
                "preview", OpenApiTypes.BOOL, description="1: check and show, write nothing."
            )
        ],
        request=StatusDecisionsRequestSerializer,
        responses={200: StatusDecisionsResultSerializer, **error_responses(400, 401, 403)},
    )
    def post(self, request):
        if not may_decide_somewhere(request.user):
            raise PermissionDenied(
                _(
                    "Only those who decide statuses (a county's bureau manager, a township's "
                    "reviewer) record the benefits system's decisions."
                ),
                code="not_a_decider",
            )
        data = request.data if isinstance(request.data, dict) else {}
        rows = data.get("rows")
        if not isinstance(rows, list) or not rows:
            raise ValidationError({"rows": [_("Send the decisions as a list of rows.")]})
        most = limits_for_user(request.user).max_rows
        if len(rows) > most:
            raise ValidationError(
                {
                    "rows": [
                        _("At most %(most)d rows at once; this request has %(rows)d.")
                        % {"most": most, "rows": len(rows)}
                    ]
                }
            )
        preview = _flag(request.query_params.get("preview", False), "preview") or _flag(
            data.get("preview", False), "preview"
        )
        batch = status_decisions_upsert(by=request.user, rows=rows, preview=preview)
        if not batch.ok and not preview:
            return Response({"errors": batch.errors}, status=400)
        body = {"preview": preview, **batch.counts(), "changes": batch.changes}
        return Response({**body, "errors": batch.errors})


def _flag(value, name: str) -> bool:
    try:
        return serializers.BooleanField().run_validation(value)
    except ValidationError as refusal:
        raise ValidationError({name: refusal.detail}) from None
