"""The intake endpoints: open a case from another system, give it its household and need, and
read where it stands.

For the roles the intake desk's pages are for (``require_registry_area``); opening and changing
a case is for those the services let write (bureau staff, assistants, and the service accounts
holding such a role). Input is read by the desk page's own forms after the serializers have
found what it names within the user's area; each write is the service the page calls, and a
call that records a new need with the case is one transaction: refused, nothing is written.

A case has no field for the other system's own reference (``IntakeCase``), so a call sent
twice opens two cases: nothing here can tell them apart.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from bangfu.accounts.scoping import require_registry_area
from bangfu.api.intake import serializers as shapes
from bangfu.api.permissions import TokenScope
from bangfu.api.portal.forms import cleaned_data
from bangfu.api.schema import error_responses
from bangfu.referrals import selectors, services
from bangfu.referrals.forms import AttachNeedForm, IntakeForm
from bangfu.referrals.models import IntakeCase, Referral
from bangfu.registry.forms import NeedForm

NEW_NEED = "new_need."
# The services name the place of a call by its township and village; the API by one code.
PLACE = {"township": "place", "village": "place"}


class IntakeDesk(BasePermission):
    """The intake desk's pages are for people with an area of the registry."""

    def has_permission(self, request, view) -> bool:
        require_registry_area(request.user)
        return True


def renamed(call, rename: dict[str, str]):
    """Run one service; the fields its refusal names are renamed to the API's."""
    try:
        return call()
    except ValidationError as refusal:
        if not hasattr(refusal, "error_dict"):
            raise
        raise ValidationError(
            {rename.get(name, name): errors for name, errors in refusal.error_dict.items()}
        ) from None


def need_arguments(new_need: dict) -> dict:
    """What ``intake_record_need`` takes, read by the registry's need form."""
    form = NeedForm({**new_need, "category": new_need["category"].pk})
    return cleaned_data(form, prefix=NEW_NEED)


class DeskView(GenericAPIView):
    permission_classes = (TokenScope, IntakeDesk)

    def get_queryset(self):
        return selectors.intake_cases_for(self.request.user)

    def intake(self, pk: int) -> IntakeCase:
        return get_object_or_404(self.get_queryset(), pk=pk)

    def body(self, request, serializer_class):
        body = serializer_class(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        return body.validated_data

    def case(self, pk: int, *, status_code: int = status.HTTP_200_OK) -> Response:
        intake = get_object_or_404(
            self.get_queryset()
            .select_related("household")
            .prefetch_related(
                Prefetch("referrals", queryset=Referral.objects.select_related("provider"))
            ),
            pk=pk,
        )
        return Response(shapes.IntakeCaseSerializer(intake).data, status=status_code)


class CaseOpen(DeskView):
    @extend_schema(
        summary="Open a case on a call: on a need, a household, or a caller and a place",
        request=shapes.CaseOpenRequest,
        responses={
            201: shapes.IntakeCaseSerializer,
            200: shapes.IntakeCaseSerializer,
            **error_responses(400, 401, 403),
        },
    )
    def post(self, request):
        data = self.body(request, shapes.CaseOpenRequest)
        user = request.user
        reference = data.get("reference", "").strip()
        opened = selectors.intake_by_reference(user, reference)
        if opened is not None:  # the same call sent again: the case it opened
            return self.case(opened.pk, status_code=status.HTTP_200_OK)
        form = IntakeForm(
            {
                "source": data["source"],
                "need": data.get("need") or "",
                "household": getattr(data.get("household"), "pk", ""),
                "place": getattr(data.get("place"), "code", ""),
                "caller_name": data.get("caller_name", ""),
                "caller_phone": data.get("caller_phone", ""),
                "description": data.get("description", ""),
            },
            user=user,
            needs=selectors.needs_awaiting_intake(user),
        )
        cleaned_data(form)
        new_need = need_arguments(data["new_need"]) if data.get("new_need") else None
        with transaction.atomic():
            intake = renamed(
                lambda: services.intake_open(
                    by=user, reference=reference, **form.service_arguments()
                ),
                PLACE,
            )
            if new_need is not None:
                renamed(
                    lambda: services.intake_record_need(intake=intake, by=user, **new_need),
                    {name: NEW_NEED + name for name in new_need},
                )
        return self.case(intake.pk, status_code=status.HTTP_201_CREATED)


class CaseStatus(DeskView):
    @extend_schema(
        summary="Where a case stands, and its referrals",
        responses={200: shapes.IntakeCaseSerializer, **error_responses(401, 403, 404)},
    )
    def get(self, request, pk: int):
        return self.case(pk)


class CaseHousehold(DeskView):
    @extend_schema(
        summary="Link the caller's case to their household",
        request=shapes.CaseHouseholdRequest,
        responses={200: shapes.IntakeCaseSerializer, **error_responses(400, 401, 403, 404)},
    )
    def post(self, request, pk: int):
        intake = self.intake(pk)
        data = self.body(request, shapes.CaseHouseholdRequest)
        services.intake_link_household(intake=intake, household=data["household"], by=request.user)
        return self.case(pk)


class CaseNeed(DeskView):
    @extend_schema(
        summary="Give the case one of its household's open needs, or record the caller's",
        request=shapes.CaseNeedRequest,
        responses={200: shapes.IntakeCaseSerializer, **error_responses(400, 401, 403, 404)},
    )
    def post(self, request, pk: int):
        intake = self.intake(pk)
        data = self.body(request, shapes.CaseNeedRequest)
        user = request.user
        if data.get("new_need"):
            new_need = need_arguments(data["new_need"])
            renamed(
                lambda: services.intake_record_need(intake=intake, by=user, **new_need),
                {name: NEW_NEED + name for name in new_need},
            )
        else:
            # The need is one of the household's awaiting the desk, as the case page offers.
            needs = selectors.needs_awaiting_intake(user).filter(household_id=intake.household_id)
            form = AttachNeedForm({"need": data["need"]}, needs=needs)
            need = cleaned_data(form)["need"]
            services.intake_attach_need(intake=intake, need=need, by=user)
        return self.case(pk)
