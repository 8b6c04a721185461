"""StreamField blocks of the public site: few, plain, and readable on a phone."""

from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.images.blocks import ImageChooserBlock

RICH_TEXT_FEATURES = ["bold", "italic", "link", "document-link", "ol", "ul", "h3"]


class HeadingBlock(blocks.StructBlock):
    text = blocks.CharBlock(label=_("text"), max_length=80)
    level = blocks.ChoiceBlock(
        label=_("level"),
        choices=[("h2", _("section")), ("h3", _("subsection"))],
        default="h2",
    )

    class Meta:
        icon = "title"
        label = _("Heading")
        template = "cms/blocks/heading.html"


class ImageBlock(blocks.StructBlock):
    image = ImageChooserBlock(label=_("image"))
    alt = blocks.CharBlock(
        label=_("text alternative"),
        max_length=200,
        help_text=_("What the picture shows, for people who cannot see it."),
    )
    caption = blocks.CharBlock(label=_("caption"), required=False, max_length=200)

    class Meta:
        icon = "image"
        label = _("Image")
        template = "cms/blocks/image.html"


class FactBlock(blocks.StructBlock):
    label = blocks.CharBlock(label=_("label"), max_length=60)
    value = blocks.CharBlock(label=_("value"), max_length=60)


class FactsBlock(blocks.StructBlock):
    """Key figures, e.g. the dibao standard per person and month."""

    title = blocks.CharBlock(label=_("title"), required=False, max_length=80)
    facts = blocks.ListBlock(FactBlock(), label=_("figures"), min_num=1)

    class Meta:
        icon = "list-ul"
        label = _("Key figures")
        template = "cms/blocks/facts.html"


class StepsBlock(blocks.StructBlock):
    """How to apply, step by step."""

    title = blocks.CharBlock(label=_("title"), required=False, max_length=80)
    steps = blocks.ListBlock(
        blocks.CharBlock(label=_("step"), max_length=200), label=_("steps"), min_num=1
    )

    class Meta:
        icon = "list-ol"
        label = _("Steps")
        template = "cms/blocks/steps.html"


class DocumentBlock(blocks.StructBlock):
    document = DocumentChooserBlock(label=_("document"))
    title = blocks.CharBlock(label=_("link text"), required=False, max_length=120)

    class Meta:
        icon = "doc-full"
        label = _("Document")
        template = "cms/blocks/document.html"


class NoticeBlock(blocks.StructBlock):
    text = blocks.RichTextBlock(label=_("text"), features=["bold", "link"])
    tone = blocks.ChoiceBlock(
        label=_("tone"),
        choices=[("info", _("information")), ("important", _("important"))],
        default="info",
    )

    class Meta:
        icon = "warning"
        label = _("Notice")
        template = "cms/blocks/notice.html"


class HelpCallBlock(blocks.StructBlock):
    """A box sending the reader to the help form and the 12349 hotline."""

    text = blocks.CharBlock(
        label=_("text"),
        max_length=200,
        default=_("In difficulty? Ask for help online or call 12349."),
    )

    class Meta:
        icon = "help"
        label = _("Ask for help")
        template = "cms/blocks/help_call.html"


class BodyBlock(blocks.StreamBlock):
    heading = HeadingBlock()
    paragraph = blocks.RichTextBlock(label=_("Paragraph"), features=RICH_TEXT_FEATURES)
    image = ImageBlock()
    facts = FactsBlock()
    steps = StepsBlock()
    document = DocumentBlock()
    notice = NoticeBlock()
    help_call = HelpCallBlock()
