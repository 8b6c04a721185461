"""Wagtail admin: the contact points snippet, and a link to the offers' moderation.

Project and offer pages are not edited here beyond an editor's note: they follow the
procurement and offers data (see cms.services).
"""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from cms.models import ContactPoint


class ContactPointViewSet(SnippetViewSet):
    model = ContactPoint
    icon = "mail"
    menu_label = _("Contact points")
    menu_order = 300
    add_to_admin_menu = True
    list_display = ["name", "phone", "hours", "sort_order"]
    search_fields = ["name", "phone", "address"]


register_snippet(ContactPointViewSet)


@hooks.register("register_admin_menu_item")
def register_offer_moderation_item():
    return MenuItem(
        _("Charity offers (moderation)"),
        reverse("offers:list"),
        icon_name="form",
        order=310,
    )
