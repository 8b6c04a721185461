"""One shape for every error the API answers:

    {"errors": [{"field": "rows[3].status", "code": "invalid_choice", "message": "…"}]}

``field`` names the input at fault (``null`` for the request as a whole), with the index of a
row in list input; ``code`` is stable for programs; ``message`` is for people, in the
request's language. The services' own refusals — Django's ``ValidationError`` and the rules'
``Refused`` — are answered 400 in the same shape, so a view calls a service as a page does.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from bangfu.core.errors import Refused

NON_FIELD_KEYS = {"non_field_errors", "__all__"}


def error(field: str | None, code: str, message: str) -> dict:
    return {"field": field, "code": code, "message": str(message)}


def flatten(detail, field: str | None = None) -> list[dict]:
    """DRF's nested error details as a flat list, each naming its field's path."""
    if isinstance(detail, dict):
        return [
            entry for key, value in detail.items() for entry in flatten(value, _join(field, key))
        ]
    if isinstance(detail, list):
        if all(isinstance(item, str) for item in detail):
            return [entry for item in detail for entry in flatten(item, field)]
        # One entry a row: the row's index joins the path (an empty entry is a valid row).
        return [
            entry
            for index, item in enumerate(detail)
            for entry in flatten(item, f"{field or ''}[{index}]")
        ]
    return [error(field, getattr(detail, "code", None) or "invalid", detail)]


def _join(field: str | None, key) -> str | None:
    if key in NON_FIELD_KEYS:
        return field
    if isinstance(key, int):  # a row of a list, as list fields key their children's errors
        return f"{field or ''}[{key}]"
    return f"{field}.{key}" if field else str(key)


def _from_django(refusal: DjangoValidationError) -> list[dict]:
    if hasattr(refusal, "error_dict"):
        return [
            error(None if name in NON_FIELD_KEYS else name, item.code or "invalid", message)
            for name, items in refusal.error_dict.items()
            for item in items
            for message in item.messages
        ]
    return [error(None, item.code or "invalid", item.messages[0]) for item in refusal.error_list]


def exception_handler(exc, context):
    """REST framework's handler, with every body in the one shape."""
    if isinstance(exc, DjangoValidationError):
        return Response({"errors": _from_django(exc)}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, Refused):
        body = {"errors": [error(None, "refused", str(exc))]}
        return Response(body, status=status.HTTP_400_BAD_REQUEST)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = flatten(exc.detail)
    else:  # REST framework's own message, code and language; Http404 and PermissionDenied too
        data = response.data
        errors = flatten(data["detail"] if isinstance(data, dict) and "detail" in data else data)
    response.data = {"errors": errors}
    return response


class UnknownPath(APIView):
    """Any path under /api/ that names no endpoint: 404 in the one shape, not an HTML page."""

    authentication_classes = ()
    permission_classes = (AllowAny,)
    throttle_classes = ()
    schema = None

    def initial(self, request, *args, **kwargs):
        raise exceptions.NotFound()
