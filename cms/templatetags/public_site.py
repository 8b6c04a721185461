"""Template tags of the public layout: the section navigation and the contact points."""

from django import template
from wagtail.models import Site

from cms.models import ContactPoint, HomePage

register = template.Library()


@register.inclusion_tag("cms/includes/nav.html", takes_context=True)
def public_nav(context):
    """The home page and its live sections, marking the one the visitor is in."""
    request = context.get("request")
    site = Site.find_for_request(request) if request else None
    home = site.root_page.specific if site else HomePage.objects.first()
    sections = list(home.get_children().live().in_menu()) if home else []
    current = context.get("page")
    return {
        "request": request,
        "home": home,
        "sections": sections,
        "current_path": current.path if current is not None else "",
    }


@register.inclusion_tag("cms/includes/contact_points.html")
def contact_points():
    return {"contact_points": list(ContactPoint.objects.all()[:6])}
