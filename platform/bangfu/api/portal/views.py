"""The portal's endpoints: the inbox, a case, and the provider's answers and service.

Every referral is read through ``selectors.provider_referrals``, as the portal pages read it: one
sent to another station, agency or volunteer is a 404. Each answer calls the service the page
calls, with the page's form reading the input. A lifecycle rule's refusal (the provider is full,
its project's quota is used up, it takes no cases now, the referral is past that step) is 409
with a code naming the reason; input at fault is 400; either way nothing is written.
"""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import status
from rest_framework.exceptions import APIException
from rest_framework.generics import GenericAPIView
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from bangfu.accounts.scoping import scope_for
from bangfu.api.permissions import TokenScope
from bangfu.api.portal import serializers as shapes
from bangfu.api.portal.forms import cleaned_data
from bangfu.api.schema import error_responses
from bangfu.core.lifecycle import InvalidTransition
from bangfu.referrals import selectors, services
from bangfu.referrals.errors import CapacityFull, ProviderUnavailable, QuotaUsedUp, ReferralError
from bangfu.referrals.forms import CloseForm, CompleteForm, DeclineForm, ReferralFilter, SessionForm
from bangfu.referrals.models import Referral

# The reason a lifecycle rule gives, as a stable code: the most particular class first.
CONFLICT_CODES = (
    (QuotaUsedUp, "quota_used_up"),
    (CapacityFull, "capacity_full"),
    (ProviderUnavailable, "provider_unavailable"),
    (InvalidTransition, "wrong_status"),
    (ReferralError, "refused"),
)


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("The referral cannot take this step now.")
    default_code = "refused"


def answered(call):
    """Run one service; a lifecycle rule's refusal becomes 409 with its reason's code."""
    refusals = tuple(kind for kind, _code in CONFLICT_CODES)
    try:
        return call()
    except refusals as refusal:
        code = next(code for kind, code in CONFLICT_CODES if isinstance(refusal, kind))
        message = " ".join(refusal.messages) if hasattr(refusal, "messages") else str(refusal)
        raise Conflict(message, code=code) from None


class IsProvider(BasePermission):
    """The portal is for station staff, agency staff and volunteers, as its pages are."""

    message = _("The portal is for station staff, agency staff and volunteers.")
    code = "not_a_provider"

    def has_permission(self, request, view) -> bool:
        return scope_for(request.user).is_provider


class InboxFilter(ReferralFilter):
    """The portal page's filters; the schema names the township by its id."""

    @extend_schema_field(OpenApiTypes.INT)
    def filter_township(self, queryset, name, value):
        return super().filter_township(queryset, name, value)


class UrgentFirstPages(PageNumberPagination):
    """Numbered pages in the portal page's order (the most urgent live referral first): that
    order moves as referrals are answered, which no cursor can follow."""

    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100


class PortalView(GenericAPIView):
    permission_classes = (TokenScope, IsProvider)

    def get_queryset(self):
        return selectors.provider_referrals(self.request.user)

    def referral(self, pk: int) -> Referral:
        return get_object_or_404(self.get_queryset(), pk=pk)

    def case(self, pk: int) -> Response:
        """The case as its page shows it (read again: after an answer it has changed)."""
        referral = self.referral(pk)
        log = selectors.session_log(referral)
        categories = []
        if referral.status in Referral.HOLDING:
            categories = SessionForm(referral=referral).fields["category"].queryset
        case = {
            "referral": referral,
            "sheet": selectors.service_sheet(referral),
            "sessions": [
                {"session": session, "counted": counted} for session, counted in log.sessions
            ],
            "counts_service": log.counts_service,
            "session_categories": categories,
            "events": selectors.referral_events(referral),
        }
        return Response(shapes.ReferralCaseSerializer(case).data)


class Inbox(PortalView):
    serializer_class = shapes.ReferralRowSerializer
    filter_backends = (DjangoFilterBackend,)
    filterset_class = InboxFilter
    pagination_class = UrgentFirstPages

    def get_queryset(self):
        # As the inbox page reads it: sessions counted for the page's rows only.
        return selectors.portal_referrals(self.request.user)

    @extend_schema(
        summary="The provider's referrals (a volunteer's tasks), the most urgent first",
        responses={200: shapes.ReferralRowSerializer(many=True), **error_responses(400, 401, 403)},
    )
    def get(self, request):
        referrals = selectors.urgent_first(self.filter_queryset(self.get_queryset()))
        page = self.paginate_queryset(referrals)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class Case(PortalView):
    @extend_schema(
        summary="One referral: the service sheet, the sessions and the history",
        responses={200: shapes.ReferralCaseSerializer, **error_responses(401, 403, 404)},
    )
    def get(self, request, pk: int):
        return self.case(pk)


class Accept(PortalView):
    @extend_schema(
        summary="Accept the referral, within the provider's capacity",
        request=None,
        responses={200: shapes.ReferralCaseSerializer, **error_responses(401, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        referral = self.referral(pk)
        answered(lambda: services.referral_accept(referral=referral, by=request.user))
        return self.case(pk)


class Decline(PortalView):
    @extend_schema(
        summary="Decline the referral with a reason: the case goes back to the intake desk",
        request=shapes.ReferralDeclineRequest,
        responses={
            200: shapes.DeclinedReferralSerializer,
            **error_responses(400, 401, 403, 404, 409),
        },
    )
    def post(self, request, pk: int):
        referral = self.referral(pk)
        data = cleaned_data(DeclineForm(request.data))
        declined = answered(
            lambda: services.referral_decline(
                referral=referral, by=request.user, reason=data["reason"], note=data["note"]
            )
        )
        return Response(shapes.DeclinedReferralSerializer(declined).data)


class Sessions(PortalView):
    @extend_schema(
        summary="Log a session of service: the first puts the referral in service",
        request=shapes.ServiceSessionRequest,
        responses={201: shapes.ReferralCaseSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        referral = self.referral(pk)
        data = cleaned_data(SessionForm(request.data, referral=referral))
        answered(lambda: services.service_session_log(referral=referral, by=request.user, **data))
        response = self.case(pk)
        response.status_code = status.HTTP_201_CREATED
        return response


class Complete(PortalView):
    @extend_schema(
        summary="Complete the case with its outcome",
        request=shapes.ReferralCompleteRequest,
        responses={200: shapes.ReferralCaseSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        referral = self.referral(pk)
        data = cleaned_data(CompleteForm(request.data))
        answered(
            lambda: services.referral_complete(
                referral=referral, by=request.user, outcome=data["outcome"]
            )
        )
        return self.case(pk)


class Close(PortalView):
    @extend_schema(
        summary="Close the case without (further) service, for a reason",
        request=shapes.ReferralCloseRequest,
        responses={200: shapes.ReferralCaseSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        referral = self.referral(pk)
        data = cleaned_data(CloseForm(request.data))
        answered(
            lambda: services.referral_close(
                referral=referral, by=request.user, reason=data["reason"], note=data["note"]
            )
        )
        return self.case(pk)
