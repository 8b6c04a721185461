"""Reads of public help requests, scoped to the user, with the joins their pages need."""

from django.db.models import Count, QuerySet

from bangfu.referrals.models import HelpRequest


def help_requests_for(user) -> QuerySet[HelpRequest]:
    """The requests of the user's area: the township's desk reads its township's, an assistant
    those naming one of their villages."""
    return (
        HelpRequest.objects.for_user(user)
        .select_related(
            "township__parent",
            "village",
            "intake__household",
            "acknowledged_by",
            "closed_by",
        )
        .annotate(attempt_count=Count("contact_attempts"))
    )


def help_request_counts(user) -> dict[str, int]:
    """How many requests of the user's area are in each status, in one query."""
    rows = (
        HelpRequest.objects.for_user(user).order_by().values_list("status").annotate(n=Count("pk"))
    )
    return dict(rows)
