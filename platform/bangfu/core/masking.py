"""One masking helper for every surface that leaves the staff interface: public pages, logs,
charity views, exports for people without the right to see personal data."""

import logging
import re

_ID_IN_TEXT = re.compile(r"(?<!\d)(\d{4})\d{10}(\d{3}[\dXx])(?!\d)")
_PHONE_IN_TEXT = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")
_QUERY_STRING = re.compile(r"(\s/[^\s?\"]*)\?[^\s\"]*")


def mask_name(name: str) -> str:
    """张三 → 张*, 张小明 → 张*明, 欧阳小明 → 欧**明."""
    name = (name or "").strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_id_number(number: str) -> str:
    """Keep the first four and the last four characters: 3501**********123X."""
    number = (number or "").strip()
    if len(number) <= 8:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def mask_phone(phone: str) -> str:
    """13812345678 → 138****5678."""
    digits = (phone or "").strip()
    if len(digits) < 7:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def mask_whole(value: str) -> str:
    """Nothing of the value, only whether there was one: free text (a visit's summary, an
    illness) in the audit log's changes, which say that a field changed and by whom."""
    return "***" if value and value != "None" else value


def mask_text(text: str) -> str:
    """Mask ID numbers and mobile numbers wherever they appear in free text."""
    text = _ID_IN_TEXT.sub(lambda m: m.group(1) + "*" * 10 + m.group(2), text)
    return _PHONE_IN_TEXT.sub(lambda m: m.group(1) + "****" + m.group(2), text)


class _RewritingFilter(logging.Filter):
    """A logging filter that rewrites the message of every record it passes."""

    def rewrite(self, message: str) -> str:
        raise NotImplementedError

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        rewritten = self.rewrite(message)
        if rewritten != message:
            record.msg, record.args = rewritten, None
        return True


class MaskPersonalDataFilter(_RewritingFilter):
    """Logging filter: no ID number or phone number reaches a log file in clear."""

    def rewrite(self, message: str) -> str:
        return mask_text(message)


class StripQueryStringFilter(_RewritingFilter):
    """Logging filter: a request line is logged without its query string, which may carry
    what someone searched for (``"GET /staff/?q=… HTTP/1.1"`` → ``"GET /staff/ HTTP/1.1"``)."""

    def rewrite(self, message: str) -> str:
        return _QUERY_STRING.sub(r"\1", message)
