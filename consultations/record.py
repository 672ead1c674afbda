"""The service record (服务记录单) of a completed consultation, as a PDF.

One A4 page (more if the texts are long) that the expert and the enterprise keep and sign:
record number, enterprise, expert, service, date and time, mode, the need as the enterprise
described it, the expert's summary and recommendations, and signature lines for both.

Built with reportlab and its built-in CID font ``STSong-Light`` (Adobe's Song typeface that
every PDF reader carries for simplified Chinese), so no font file is shipped; the Latin
characters of the English labels are in the same font. Labels are in the active language.
"""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from consultations.models import Consultation

FONT = "STSong-Light"
TEAM_NAME = "巴心助检"

pdfmetrics.registerFont(UnicodeCIDFont(FONT))


def record_number(consultation: Consultation) -> str:
    """The record's number: the consultation's reference with the year of the service, so
    a printed record is traced back to its booking."""
    when = consultation.starts_at or consultation.completed_at or consultation.created_at
    return f"FW{timezone.localtime(when):%Y}-{consultation.reference}"


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("body", fontName=FONT, fontSize=10.5, leading=16, wordWrap="CJK")
    return {
        "title": ParagraphStyle(
            "title", parent=base, fontSize=18, leading=26, alignment=1, spaceAfter=4
        ),
        "subtitle": ParagraphStyle("subtitle", parent=base, alignment=1, spaceAfter=8),
        "label": ParagraphStyle("label", parent=base, textColor=colors.HexColor("#333333")),
        "body": base,
        "heading": ParagraphStyle(
            "heading", parent=base, fontSize=12, leading=18, spaceBefore=10, spaceAfter=4
        ),
    }


def _text(value: str) -> str:
    """Plain text as paragraph markup: escaped, line breaks kept."""
    return escape(value or "").replace("\n", "<br/>")


def consultation_record_pdf(*, consultation: Consultation, pdf_compression: bool = True) -> bytes:
    """The service record of a completed consultation as PDF bytes (``pdf_compression``
    off lets a test read the page content). ``ValueError`` for any other state."""
    if consultation.state != Consultation.State.COMPLETED:
        raise ValueError("only a completed consultation has a service record")
    styles = _styles()
    expert = consultation.expert
    # The name as the expert signs it, with the English one beside it on an English record.
    expert_name = ""
    if expert is not None:
        expert_name = expert.name
        if translation.get_language() == "en" and expert.name_en:
            expert_name = f"{expert.name_en} ({expert.name})"
    if consultation.starts_at and consultation.ends_at:
        start = timezone.localtime(consultation.starts_at)
        end = timezone.localtime(consultation.ends_at)
        when = f"{start:%Y-%m-%d %H:%M}–{end:%H:%M}"
    else:
        when = "–"
    completed = (
        f"{timezone.localtime(consultation.completed_at):%Y-%m-%d %H:%M}"
        if consultation.completed_at
        else "–"
    )
    facts = [
        (_("Record number"), record_number(consultation)),
        (_("Enterprise"), consultation.enterprise.name),
        (_("Unified social credit code"), consultation.enterprise.credit_code),
        (_("Expert"), f"{expert_name}（{TEAM_NAME}）" if expert_name else "–"),
        (_("Service"), consultation.get_service_display()),
        (_("Date and time"), when),
        (_("Mode"), consultation.get_mode_display() or "–"),
        (_("Completed at"), completed),
    ]
    table = Table(
        [
            [Paragraph(_text(label), styles["label"]), Paragraph(_text(str(value)), styles["body"])]
            for label, value in facts
        ],
        colWidths=[42 * mm, 128 * mm],
    )
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f2f2f2")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    need = consultation.topic
    if consultation.product_or_standard:
        need += "\n" + _("Product or standard concerned") + ": " + consultation.product_or_standard
    need += "\n" + consultation.description
    story = [
        Paragraph(_text(_("Consultation service record")), styles["title"]),
        Paragraph(
            _text(_("Baxin volunteer expert team (%(team)s)") % {"team": TEAM_NAME}),
            styles["subtitle"],
        ),
        table,
        Paragraph(_text(_("The enterprise's need")), styles["heading"]),
        Paragraph(_text(need), styles["body"]),
        Paragraph(_text(_("What was done")), styles["heading"]),
        Paragraph(_text(consultation.summary or "–"), styles["body"]),
    ]
    if consultation.recommendations:
        story += [
            Paragraph(_text(_("Recommendations")), styles["heading"]),
            Paragraph(_text(consultation.recommendations), styles["body"]),
        ]

    def blank(label: str, width: int) -> Paragraph:
        text = pgettext("a label and the blank to fill in on a form", "%(label)s: ") % {
            "label": label
        }
        return Paragraph(_text(text + "_" * width), styles["body"])

    date = pgettext("signature line", "Date")
    story += [
        Spacer(1, 14 * mm),
        Table(
            [
                [blank(_("Expert's signature"), 16), blank(_("Enterprise's signature (seal)"), 16)],
                [blank(date, 12), blank(date, 12)],
            ],
            colWidths=[85 * mm, 85 * mm],
            rowHeights=[12 * mm, 10 * mm],
        ),
    ]
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=_("Consultation service record") + " " + record_number(consultation),
        author=TEAM_NAME,
        pageCompression=1 if pdf_compression else 0,
    )
    document.build(story)
    return buffer.getvalue()
