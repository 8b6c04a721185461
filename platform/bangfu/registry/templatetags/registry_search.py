from django import template

from bangfu.accounts.scoping import scope_for

register = template.Library()


@register.inclusion_tag("registry/includes/header_search.html", takes_context=True)
def header_search(context) -> dict:
    """The search box of the top bar, for users who read the registry (empty for the others)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not scope_for(user).reads_registry:
        return {"show": False}
    return {"show": True, "csrf_token": context.get("csrf_token")}
