"""The token's own account: who it is and what it may do, and revoking the token itself (a
mini-program's log-out). A client checks here that its token works before anything else."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from bangfu.accounts.scoping import at_its_level
from bangfu.api.schema import error_responses
from bangfu.api.tokens import api_token_revoke


class RoleSerializer(serializers.Serializer):
    role = serializers.CharField()
    role_label = serializers.CharField(source="get_role_display")
    organisation_id = serializers.IntegerField()
    organisation = serializers.CharField(source="organisation.name")


class TokenSerializer(serializers.Serializer):
    name = serializers.CharField()
    prefix = serializers.CharField()
    scope = serializers.CharField()
    expires_at = serializers.DateTimeField()


class AccountSerializer(serializers.Serializer):
    username = serializers.CharField()
    display_name = serializers.CharField()
    is_service_account = serializers.BooleanField()
    roles = RoleSerializer(many=True)
    token = TokenSerializer()


class Me(APIView):
    @extend_schema(
        summary="The token's account, its roles and the token",
        responses={200: AccountSerializer, **error_responses(401)},
    )
    def get(self, request):
        user = request.user
        roles = (
            user.memberships.filter(at_its_level(), is_active=True, organisation__is_active=True)
            .select_related("organisation")
            .order_by("pk")
        )
        account = {
            "username": user.get_username(),
            "display_name": str(user),
            "is_service_account": hasattr(user, "service_account"),
            "roles": roles,
            "token": request.auth,
        }
        return Response(AccountSerializer(account).data)


class MyToken(APIView):
    @extend_schema(
        summary="Revoke the token this request presents",
        request=None,
        responses={204: OpenApiResponse(description="Revoked"), **error_responses(401, 403)},
    )
    def delete(self, request):
        api_token_revoke(by=request.user, token=request.auth)
        return Response(status=status.HTTP_204_NO_CONTENT)
