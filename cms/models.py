"""The public site (Wagtail): home, news, policies, procured projects (公示), charity offers,
the hotline snippet. A public help request is referrals' (``bangfu.referrals.public_intake``).

Project and offer pages are never typed by hand: ``cms.services`` creates and refreshes them
when procurement or offers publish a change (``bangfu.core.publications``), and they render the
live figures of their source row (delivery so far, what is left of an offer) at each request, so
nothing is copied that could go stale. Nothing here reaches a household: the pages read the
public records of ``bangfu.procurement.public`` and ``bangfu.offers.public`` only.
"""

from django.core.paginator import Paginator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, HelpPanel
from wagtail.fields import StreamField
from wagtail.models import Page
from wagtail.search import index

from cms.blocks import BodyBlock
from cms.search import index_text, stream_text

PAGE_SIZE = 12


def _page(request, queryset, size: int = PAGE_SIZE):
    return Paginator(queryset, size).get_page(request.GET.get("page"))


class HomePage(Page):
    intro = models.TextField(_("introduction"), blank=True, max_length=500)
    body = StreamField(BodyBlock(), blank=True, verbose_name=_("body"))

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body")]
    search_fields = [*Page.search_fields, index.SearchField("search_text")]

    max_count = 1
    parent_page_types = ["wagtailcore.Page"]
    subpage_types = [
        "cms.NewsIndexPage",
        "cms.PolicyIndexPage",
        "cms.ProjectIndexPage",
        "cms.OfferIndexPage",
    ]

    class Meta:
        verbose_name = _("home page")

    def search_text(self) -> str:
        return index_text(self.title, self.intro, stream_text(self.body))

    def get_context(self, request, *args, **kwargs):
        from cms import selectors

        context = super().get_context(request, *args, **kwargs)
        context["news"] = selectors.latest_news(limit=3)
        context["offers"] = selectors.offer_cards(limit=4)
        context["projects"] = selectors.project_figures()
        return context


class NewsIndexPage(Page):
    intro = models.TextField(_("introduction"), blank=True, max_length=500)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["cms.HomePage"]
    subpage_types = ["cms.NewsPage"]
    max_count = 1

    class Meta:
        verbose_name = _("news index")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        news = NewsPage.objects.child_of(self).live().public().order_by("-date", "-pk")
        context["page_obj"] = _page(request, news)
        return context


class NewsPage(Page):
    date = models.DateField(_("date"), default=timezone.localdate)
    intro = models.TextField(_("summary"), max_length=300)
    body = StreamField(BodyBlock(), verbose_name=_("body"))

    content_panels = [
        *Page.content_panels,
        FieldPanel("date"),
        FieldPanel("intro"),
        FieldPanel("body"),
    ]
    search_fields = [*Page.search_fields, index.SearchField("search_text")]
    parent_page_types = ["cms.NewsIndexPage"]
    subpage_types = []

    class Meta:
        verbose_name = _("news article")

    def search_text(self) -> str:
        return index_text(self.title, self.intro, stream_text(self.body))

    def teaser(self) -> str:
        return self.intro


class PolicyIndexPage(Page):
    intro = models.TextField(_("introduction"), blank=True, max_length=500)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["cms.HomePage"]
    subpage_types = ["cms.PolicyPage"]
    max_count = 1

    class Meta:
        verbose_name = _("policy index")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        policies = PolicyPage.objects.child_of(self).live().public().order_by("-issued_on", "-pk")
        context["page_obj"] = _page(request, policies)
        return context


class PolicyPage(Page):
    """A policy explained in plain words, with the issuing document named."""

    summary = models.TextField(_("summary"), max_length=300)
    issued_by = models.CharField(_("issued by"), max_length=100, blank=True)
    document_number = models.CharField(_("document number"), max_length=60, blank=True)
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    body = StreamField(BodyBlock(), verbose_name=_("body"))

    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        FieldPanel("issued_by"),
        FieldPanel("document_number"),
        FieldPanel("issued_on"),
        FieldPanel("body"),
    ]
    search_fields = [*Page.search_fields, index.SearchField("search_text")]
    parent_page_types = ["cms.PolicyIndexPage"]
    subpage_types = []

    class Meta:
        verbose_name = _("policy page")

    def search_text(self) -> str:
        return index_text(
            self.title, self.summary, self.issued_by, self.document_number, stream_text(self.body)
        )

    def teaser(self) -> str:
        return self.summary


class ProjectIndexPage(Page):
    intro = models.TextField(_("introduction"), blank=True, max_length=500)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["cms.HomePage"]
    subpage_types = ["cms.ProjectPage"]
    max_count = 1

    class Meta:
        verbose_name = _("procured projects index")

    def get_context(self, request, *args, **kwargs):
        from cms import selectors

        context = super().get_context(request, *args, **kwargs)
        year = request.GET.get("year", "")
        context["year"] = int(year) if year.isdecimal() and len(year) == 4 else None
        listing = selectors.project_index(self, year=context["year"])
        context["years"] = listing["years"]
        context["page_obj"] = _page(request, listing["rows"])
        context["figures"] = listing["figures"]
        context["query_without_page"] = f"year={context['year']}&" if context["year"] else ""
        return context


class ProjectPage(Page):
    """The public notice (公示) of one procured project, kept in step with the project."""

    project = models.OneToOneField(
        "procurement.Project",
        models.PROTECT,
        related_name="public_page",
        verbose_name=_("procurement project"),
    )
    intro = models.TextField(
        _("editor's note"), blank=True, max_length=500, help_text=_("Optional words above it.")
    )

    content_panels = [
        HelpPanel(
            content=_(
                "The figures of this page come from the procurement project and follow it: "
                "change the project in the staff interface."
            )
        ),
        FieldPanel("intro"),
    ]
    search_fields = [*Page.search_fields, index.SearchField("search_text")]
    parent_page_types = ["cms.ProjectIndexPage"]
    subpage_types = []
    # Created and refreshed from the procurement data only (cms.services.project_page_sync).
    is_creatable = False

    class Meta:
        verbose_name = _("procured project page")

    def search_text(self) -> str:
        from cms import selectors

        return index_text(self.title, self.intro, selectors.project_search_words(self.project_id))

    def teaser(self) -> str:
        from cms import selectors

        return self.intro or selectors.project_teaser(self.project_id)

    def get_context(self, request, *args, **kwargs):
        from cms import selectors

        context = super().get_context(request, *args, **kwargs)
        context["summary"] = selectors.project_summary(self.project_id)
        return context


class OfferIndexPage(Page):
    intro = models.TextField(_("introduction"), blank=True, max_length=500)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["cms.HomePage"]
    subpage_types = ["cms.OfferPage"]
    max_count = 1

    class Meta:
        verbose_name = _("charity offers index")

    def get_context(self, request, *args, **kwargs):
        from cms import selectors

        context = super().get_context(request, *args, **kwargs)
        context["page_obj"] = _page(request, selectors.offer_cards())
        return context


class OfferPage(Page):
    """A charity offer as the public sees it; published when the bureau approves the offer."""

    offer = models.OneToOneField(
        "offers.Offer",
        models.PROTECT,
        related_name="public_page",
        verbose_name=_("charity offer"),
    )

    # Nothing to edit here: the offer is changed by its charity and moderated by the bureau.
    content_panels = [
        HelpPanel(
            content=_(
                "This page follows the charity offer and its moderation by the bureau; "
                "it has nothing to edit here."
            )
        )
    ]
    search_fields = [*Page.search_fields, index.SearchField("search_text")]
    parent_page_types = ["cms.OfferIndexPage"]
    subpage_types = []
    # Created and unpublished by the offer's moderation only (cms.services.offer_page_sync).
    is_creatable = False

    class Meta:
        verbose_name = _("charity offer page")

    def search_text(self) -> str:
        from cms import selectors

        return index_text(self.title, selectors.offer_search_words(self.offer_id))

    def teaser(self) -> str:
        from cms import selectors

        return selectors.offer_teaser(self.offer_id)

    def get_context(self, request, *args, **kwargs):
        from cms import selectors

        context = super().get_context(request, *args, **kwargs)
        context["card"] = selectors.offer_card(self.offer_id)
        return context


class ContactPoint(models.Model):
    """A place to ask for help: the 12349 hotline, a township's desk. A Wagtail snippet."""

    name = models.CharField(_("name"), max_length=80)
    phone = models.CharField(_("phone"), max_length=30)
    hours = models.CharField(_("opening hours"), max_length=80, blank=True)
    address = models.CharField(_("address"), max_length=120, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    panels = [
        FieldPanel("name"),
        FieldPanel("phone"),
        FieldPanel("hours"),
        FieldPanel("address"),
        FieldPanel("sort_order"),
    ]

    class Meta:
        verbose_name = _("contact point")
        verbose_name_plural = _("contact points")
        ordering = ["sort_order", "pk"]

    def __str__(self) -> str:
        return f"{self.name} {self.phone}"
