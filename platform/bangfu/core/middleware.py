from django.utils.deprecation import MiddlewareMixin


class ChineseFirstMiddleware(MiddlewareMixin):
    """Simplified Chinese unless the user chose otherwise.

    Django would follow the browser's Accept-Language header; a county office's browsers are
    often set to English while the staff read Chinese. The choice made with the language switch
    (a cookie) still wins; the header is ignored. Must come before LocaleMiddleware.
    """

    def process_request(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
