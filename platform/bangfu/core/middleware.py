import auditlog.middleware
import csp.middleware
from django.conf import settings
from django.utils.deprecation import MiddlewareMixin

from bangfu.core.client_address import client_address


class ChineseFirstMiddleware(MiddlewareMixin):
    """Simplified Chinese unless the user chose otherwise.

    Django would follow the browser's Accept-Language header; a county office's browsers are
    often set to English while the staff read Chinese. The choice made with the language switch
    (a cookie) still wins; the header is ignored. Must come before LocaleMiddleware.
    """

    def process_request(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)


class AuditlogMiddleware(auditlog.middleware.AuditlogMiddleware):
    """django-auditlog's middleware, recording the client address behind our own proxies.

    Its own reading takes the first X-Forwarded-For entry, which the visitor writes: an audit
    entry would carry whatever address they chose.
    """

    @staticmethod
    def _get_remote_addr(request):
        if settings.AUDITLOG_DISABLE_REMOTE_ADDR:
            return None
        return client_address(request)


class ContentSecurityPolicyMiddleware(csp.middleware.CSPMiddleware):
    """django-csp's middleware with the allowances Wagtail's editor needs
    (``CMS_ADMIN_CSP_DIRECTIVES``) under ``CMS_ADMIN_CSP_PREFIXES``; every other path gets
    ``CONTENT_SECURITY_POLICY`` as it is."""

    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only)
        if not report_only and request.path_info.startswith(settings.CMS_ADMIN_CSP_PREFIXES):
            parts.replace = {**settings.CMS_ADMIN_CSP_DIRECTIVES, **(parts.replace or {})}
        return parts
