"""StreamField blocks for news and standard pages."""

from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.contrib.table_block.blocks import TableBlock
from wagtail.embeds.blocks import EmbedBlock
from wagtail.images.blocks import ImageChooserBlock


class HeadingBlock(blocks.StructBlock):
    text = blocks.CharBlock(label=_("Heading"), max_length=200)
    size = blocks.ChoiceBlock(
        label=_("Level"),
        choices=[("h2", _("Section heading")), ("h3", _("Sub-heading"))],
        default="h2",
    )

    class Meta:
        label = _("Heading")
        icon = "title"
        template = "blocks/heading_block.html"
        preview_value = {"text": "活动安排", "size": "h2"}


class CaptionedImageBlock(blocks.StructBlock):
    image = ImageChooserBlock(label=_("Image"))
    alt_text = blocks.CharBlock(
        label=_("Alternative text"),
        required=False,
        help_text=_("Describes the image for screen readers; leave empty to use its title."),
    )
    caption = blocks.CharBlock(label=_("Caption"), required=False)
    attribution = blocks.CharBlock(label=_("Credit"), required=False)

    class Meta:
        label = _("Image")
        icon = "image"
        template = "blocks/image_block.html"


class QuoteBlock(blocks.StructBlock):
    text = blocks.TextBlock(label=_("Quote"))
    attribute_name = blocks.CharBlock(label=_("Said by"), required=False)

    class Meta:
        label = _("Quote")
        icon = "openquote"
        template = "blocks/quote_block.html"
        preview_value = {"text": "向新而行，智检未来。", "attribute_name": "2025 年开放日主题"}


class BaseStreamBlock(blocks.StreamBlock):
    heading = HeadingBlock()
    paragraph = blocks.RichTextBlock(
        label=_("Paragraph"),
        icon="pilcrow",
        features=["bold", "italic", "link", "ol", "ul", "document-link"],
        template="blocks/paragraph_block.html",
        preview_value="<p>检验检测机构向公众开放实验室。</p>",
    )
    image = CaptionedImageBlock()
    quote = QuoteBlock()
    table = TableBlock(label=_("Table"), template="blocks/table_block.html")
    embed = EmbedBlock(
        label=_("Embedded media"),
        help_text=_("A link to a video or other media, e.g. on a video platform."),
        icon="media",
        template="blocks/embed_block.html",
    )
