"""Public read, no token: the notices the public site publishes, as JSON.

The records are the site's own (``procurement.public.ProjectNotice``,
``offers.public.OfferNotice``): what a notice shows, never a household or a person, and
nothing before it is published. The list pages by cursor over the published rows' ids, then
builds each page's notices as the site does. Limited per client address; answers served from
the shared cache (``bangfu.core.public_cache``) cost no query and are not counted.
"""

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from bangfu.api.schema import error_responses
from bangfu.api.throttling import PerAddressThrottle
from bangfu.offers.public import listed_offer_notices, offer_notice
from bangfu.offers.selectors import listed_offers
from bangfu.procurement.public import project_notice, project_notices
from bangfu.procurement.selectors import published_projects

# --- what a notice carries -----------------------------------------------------------------


class LineSerializer(serializers.Serializer):
    item = serializers.CharField()
    unit = serializers.CharField()
    contracted = serializers.DecimalField(max_digits=12, decimal_places=2)
    delivered = serializers.DecimalField(max_digits=12, decimal_places=2)


class EvaluationSerializer(serializers.Serializer):
    grade = serializers.CharField()
    score = serializers.DecimalField(max_digits=5, decimal_places=2)
    evaluated_on = serializers.DateField()


class ProjectNoticeSerializer(serializers.Serializer):
    """A procured project's notice (公示)."""

    id = serializers.IntegerField(source="pk")
    name = serializers.CharField()
    description = serializers.CharField()
    region = serializers.CharField()
    year = serializers.IntegerField()
    agency = serializers.CharField()
    funding_source = serializers.CharField()
    procurement_method = serializers.CharField()
    contract_number = serializers.CharField()
    complaint_channel = serializers.CharField()
    published_on = serializers.DateField(allow_null=True)
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    status = serializers.CharField()
    is_closed = serializers.BooleanField()
    service_area = serializers.ListField(child=serializers.CharField())
    target_households = serializers.IntegerField()
    target_hours = serializers.IntegerField()
    households_served = serializers.IntegerField()
    delivered_value = serializers.DecimalField(max_digits=14, decimal_places=2)
    lines = LineSerializer(many=True)
    evaluation = EvaluationSerializer(allow_null=True)


class OfferNoticeSerializer(serializers.Serializer):
    """A charity's published offer."""

    id = serializers.IntegerField(source="pk")
    title = serializers.CharField()
    description = serializers.CharField()
    charity = serializers.CharField()
    charity_introduction = serializers.CharField()
    kind = serializers.CharField()
    category = serializers.CharField()
    unit = serializers.CharField()
    quantity = serializers.IntegerField()
    units_per_household = serializers.IntegerField()
    remaining_units = serializers.IntegerField()
    remaining_households = serializers.IntegerField()
    households_total = serializers.IntegerField()
    delivered_households = serializers.IntegerField()
    amount_per_household = serializers.DecimalField(max_digits=12, decimal_places=2)
    valid_from = serializers.DateField()
    valid_until = serializers.DateField()
    area = serializers.ListField(child=serializers.CharField())
    eligibility = serializers.ListField(child=serializers.CharField())
    delivery = serializers.CharField()
    delivery_note = serializers.CharField()
    is_current = serializers.BooleanField()
    is_upcoming = serializers.BooleanField()


# --- the endpoints -------------------------------------------------------------------------


class PublicView(GenericAPIView):
    """No token read (a token sent along is ignored, not refused); limited per address.

    Subclasses give ``get_queryset`` (the published rows, paged by id), ``notices_for(ids=…)``
    and ``notice_for(pk)`` (the public module's records, None when not published)."""

    authentication_classes = ()
    permission_classes = (AllowAny,)
    throttle_classes = (PerAddressThrottle,)

    def list(self, request):
        page = self.paginate_queryset(self.get_queryset().values("pk"))
        ids = [row["pk"] for row in page]
        by_id = {notice.pk: notice for notice in self.notices_for(ids=ids)}
        rows = [by_id[pk] for pk in ids if pk in by_id]
        return self.get_paginated_response(self.get_serializer(rows, many=True).data)

    def detail(self, pk: int):
        notice = self.notice_for(pk)
        if notice is None:
            raise Http404
        return Response(self.get_serializer(notice).data)


class ProjectList(PublicView):
    serializer_class = ProjectNoticeSerializer
    notices_for = staticmethod(project_notices)
    notice_for = staticmethod(project_notice)

    def get_queryset(self):
        return published_projects().prefetch_related(None).select_related(None)

    @extend_schema(
        summary="Published procured projects (公示)",
        responses={200: ProjectNoticeSerializer(many=True), **error_responses(400)},
    )
    def get(self, request):
        return self.list(request)


class ProjectDetail(ProjectList):
    @extend_schema(
        summary="One published procured project",
        responses={200: ProjectNoticeSerializer, **error_responses(404)},
    )
    def get(self, request, pk: int):
        return self.detail(pk)


class OfferList(PublicView):
    serializer_class = OfferNoticeSerializer
    notices_for = staticmethod(listed_offer_notices)
    notice_for = staticmethod(offer_notice)

    def get_queryset(self):
        return listed_offers().prefetch_related(None).select_related(None)

    @extend_schema(
        summary="Charity offers listed now",
        responses={200: OfferNoticeSerializer(many=True), **error_responses(400)},
    )
    def get(self, request):
        return self.list(request)


class OfferDetail(OfferList):
    @extend_schema(
        summary="One published charity offer",
        responses={200: OfferNoticeSerializer, **error_responses(404)},
    )
    def get(self, request, pk: int):
        return self.detail(pk)
