"""The printed prescription (issue 4 point 7): seed 000's layout as a sheet, its QR code, and the PDF.

    Bob Smith
    Fibromyalgia Support Group
    https://www.myfibroteam.com
    Participate in 1 online conversation monthly for 3 months

`sheet_for` gathers what is printed (the page and the PDF show the same fields); `qr_svg` draws the invitation link
for the HTML page with segno; `pdf_bytes` lays the sheet out on one A4 page with ReportLab. Both libraries install
from PyPI with no system packages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from io import BytesIO
from xml.sax.saxutils import escape

import segno
from django.conf import settings
from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.utils.html import escape as escape_html
from django.utils.safestring import SafeString, mark_safe
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, KeepInFrame, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from peerpath.directory.models import Listing, choice_label
from peerpath.directory.schedule import describe_schedule
from peerpath.prescriptions import services
from peerpath.prescriptions.models import Prescription

Status = Prescription.Status

# BMJ Box 2: patients should know peer support groups are not there to give medical advice.
NOT_MEDICAL_ADVICE = (
    "Peer support is not medical advice. The group is there to help you live well with your condition, "
    "with people who share it. For anything about your treatment, talk to your clinic."
)
DATE_FORMAT = "j F Y"


class InvitationState(StrEnum):
    """Whether the print-out carries a usable invitation, and if not, why."""

    READY = "ready"  # sent, with an open invitation: QR code, link and code are printed
    DRAFT = "draft"  # not sent yet: no invitation exists
    UNAVAILABLE = "unavailable"  # sent, but the invitation expired or was withdrawn: reissue it first
    ANSWERED = "answered"  # the patient accepted: nothing left to accept
    CLOSED = "closed"  # declined, cancelled or expired: printed for the record only


ANSWERED_STATUSES = frozenset({Status.ACCEPTED, Status.ACTIVE, Status.LAPSED, Status.COMPLETED})


@dataclass(frozen=True)
class PrintedInvitation:
    url: str  # the single-use link, also in the QR code
    code: str  # the short code, typed at `entry_url`
    entry_url: str
    expires_on: date


@dataclass(frozen=True)
class PrintSheet:
    """Everything a printed prescription shows, already in words."""

    patient_name: str
    what: str
    website: str
    how_to_join: list[str]
    dose_sentence: str
    dose_dates: str
    reasons: list[str]
    note_to_patient: str
    clinician_name: str
    organisation_name: str
    prescribed_on: date
    state: InvitationState
    notice: str
    invitation: PrintedInvitation | None = None
    not_medical_advice: str = field(default=NOT_MEDICAL_ADVICE)

    @property
    def prescribed_on_text(self) -> str:
        return format_date(self.prescribed_on, DATE_FORMAT)


def invitations_entry_url() -> str:
    """Where a patient types the short code (the link in the QR code needs no typing)."""
    return f"{settings.SITE_URL.rstrip('/')}/invitations/"


def printed_invitation(prescription: Prescription) -> PrintedInvitation | None:
    """The open invitation's link and code: only a sent prescription has one."""
    if prescription.status != Status.SENT:
        return None
    invitation = services.current_invitation(prescription)
    if invitation is None:
        return None
    secrets = services.issued(invitation)
    return PrintedInvitation(
        url=secrets.url,
        code=secrets.code,
        entry_url=invitations_entry_url(),
        expires_on=timezone.localdate(invitation.expires_at),
    )


def _how_to_join(listing: Listing | None) -> tuple[str, list[str]]:
    if listing is None:
        return "", ["Your clinic will help you find a group that suits you."]
    lines = [choice_label(Listing.JoinMethod, listing.join_method)]
    where = choice_label(Listing.Format, listing.format)
    if listing.city and listing.format != Listing.Format.ONLINE:
        where = f"{where}, {listing.city}"
    lines.append(f"Where: {where}")
    when = describe_schedule(listing)
    if when:
        lines.append(f"When: {when}")
    if listing.contact_email:
        lines.append(f"E-mail: {listing.contact_email}")
    if listing.contact_phone:
        lines.append(f"Phone: {listing.contact_phone}")
    if listing.host is not None:
        lines.append(f"Run by: {listing.host.name}")
    return listing.url, lines


def _state_and_notice(prescription: Prescription, invitation: PrintedInvitation | None) -> tuple[InvitationState, str]:
    status = prescription.status
    if invitation is not None:
        return InvitationState.READY, ""
    if status == Status.DRAFT:
        return InvitationState.DRAFT, (
            "This prescription is a draft: send it first to get the invitation code. "
            "Until then the patient cannot accept it."
        )
    if status == Status.SENT:
        return InvitationState.UNAVAILABLE, (
            "The invitation has expired or was withdrawn: issue a new one to print its code."
        )
    if status in ANSWERED_STATUSES:
        # Accepted already: a code would only confuse; the patient finds it under "My peer support".
        return InvitationState.ANSWERED, (
            "Already accepted by the patient: no invitation code is needed. "
            "They find this prescription under “My peer support” when signed in to PeerPath."
        )
    return InvitationState.CLOSED, (
        f"This prescription is {Status(status).label.lower()}: printed for the record only."
    )


def sheet_for(prescription: Prescription) -> PrintSheet:
    """What the print page and the PDF show for a prescription the viewer has already been let through to."""
    invitation = printed_invitation(prescription)
    state, notice = _state_and_notice(prescription, invitation)
    website, how_to_join = _how_to_join(prescription.listing)
    clinician = prescription.clinician
    prescribed_at = prescription.sent_at or prescription.created_at
    return PrintSheet(
        patient_name=prescription.patient.name,
        what=prescription.what,
        website=website,
        how_to_join=how_to_join,
        dose_sentence=prescription.dose_sentence,
        dose_dates=(
            f"From {format_date(prescription.start_date, DATE_FORMAT)} "
            f"to {format_date(prescription.end_date, DATE_FORMAT)}"
        ),
        reasons=prescription.reason_labels,
        note_to_patient=prescription.note_to_patient,
        clinician_name=clinician.legal_name or clinician.handle,
        organisation_name=prescription.organisation.name,
        prescribed_on=timezone.localdate(prescribed_at),
        state=state,
        notice=notice,
        invitation=invitation,
    )


# --- The QR code on the page --------------------------------------------------------------------------------------

QR_LABEL = "QR code of the invitation link"


def qr_svg(url: str, *, label: str = QR_LABEL) -> SafeString:
    """An inline SVG of the link, sized by CSS (no width/height), named for screen readers.

    segno writes only presentation attributes (stroke, fill), never a style attribute, so the CSP holds. The markup
    is segno's own path data; the only text in it is the label, escaped here.
    """
    svg = segno.make(url, error="m").svg_inline(scale=1, border=4, dark="#000", light="#fff", omitsize=True)
    named = svg.replace("<svg ", f'<svg role="img" aria-label="{escape_html(label)}" focusable="false" ', 1)
    return mark_safe(named)  # noqa: S308  # nosec B308 B703


# --- The PDF ---------------------------------------------------------------------------------------------------

_MARGIN = 18 * mm
_WIDTH = A4[0] - 2 * _MARGIN
_HEIGHT = A4[1] - 2 * _MARGIN
_QR_SIZE = 42 * mm
_CELL_PADDING = 3 * mm
_QR_COLUMN = _QR_SIZE + 2 * _CELL_PADDING
_TEXT_COLUMN = _WIDTH - _QR_COLUMN
_FONT, _BOLD = "Helvetica", "Helvetica-Bold"
_INK = colors.HexColor("#212b32")
_GREY = colors.HexColor("#4c6272")

_STYLES = {
    "kicker": ParagraphStyle("kicker", fontName=_FONT, fontSize=10, leading=13, textColor=_GREY),
    "title": ParagraphStyle("title", fontName=_BOLD, fontSize=20, leading=24, textColor=_INK, spaceAfter=4 * mm),
    "patient": ParagraphStyle("patient", fontName=_BOLD, fontSize=18, leading=23, textColor=_INK),
    "group": ParagraphStyle("group", fontName=_BOLD, fontSize=15, leading=19, textColor=_INK),
    "link": ParagraphStyle("link", fontName=_FONT, fontSize=12, leading=15, textColor=_INK),
    "heading": ParagraphStyle(
        "heading", fontName=_BOLD, fontSize=12, leading=15, textColor=_INK, spaceBefore=4 * mm, spaceAfter=1 * mm
    ),
    "body": ParagraphStyle("body", fontName=_FONT, fontSize=10.5, leading=14, textColor=_INK),
    "small": ParagraphStyle("small", fontName=_FONT, fontSize=9, leading=12, textColor=_GREY),
    "notice": ParagraphStyle(
        "notice",
        fontName=_BOLD,
        fontSize=11,
        leading=15,
        textColor=_INK,
        borderColor=_INK,
        borderWidth=1,
        borderPadding=3 * mm,
        spaceBefore=5 * mm,
        spaceAfter=3 * mm,
    ),
}
_DOSE_MAX_SIZE = 16.0
_LINK_MAX_SIZE = 11.0


def _para(text: str, style: str) -> Paragraph:
    # ReportLab reads paragraph text as markup: what a person typed (a name, a note) is escaped first.
    return Paragraph(escape(text).replace("\n", "<br/>"), _STYLES[style])


def _one_line(text: str, *, font: str, largest: float, width: float) -> Paragraph:
    """Text on one line, as large as fits: the dose is never broken mid-sentence, nor a link someone must type."""
    size = min(largest, (width - 2) / stringWidth(text, font, 1))
    style = ParagraphStyle("one_line", fontName=font, fontSize=size, leading=size * 1.3, textColor=_INK)
    return Paragraph(escape(text), style)


def _qr_drawing(url: str) -> Drawing:
    widget = QrCodeWidget(url, barLevel="M", barBorder=4)
    left, bottom, right, top = widget.getBounds()
    drawing = Drawing(_QR_SIZE, _QR_SIZE, transform=[_QR_SIZE / (right - left), 0, 0, _QR_SIZE / (top - bottom), 0, 0])
    drawing.add(widget)
    return drawing


def _invitation_block(sheet: PrintSheet) -> list[Flowable]:
    invitation = sheet.invitation
    if invitation is None:
        return [_para(sheet.notice, "notice")]
    text = [
        _para("To accept this prescription", "heading"),
        _para("Scan the code with your phone's camera, or open this link:", "body"),
        _one_line(invitation.url, font=_FONT, largest=_LINK_MAX_SIZE, width=_TEXT_COLUMN - 2 * _CELL_PADDING),
        Spacer(1, 2 * mm),
        Paragraph(
            f'or go to {escape(invitation.entry_url)} and type <font name="Courier-Bold" size="13">'
            f"{escape(invitation.code)}</font>",
            _STYLES["body"],
        ),
        Spacer(1, 2 * mm),
        _para(f"The invitation works once, until {format_date(invitation.expires_on, DATE_FORMAT)}.", "small"),
    ]
    table = Table([[_qr_drawing(invitation.url), text]], colWidths=[_QR_COLUMN, _TEXT_COLUMN])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), _CELL_PADDING),
                ("RIGHTPADDING", (0, 0), (-1, -1), _CELL_PADDING),
                ("BOX", (0, 0), (-1, -1), 0.75, _GREY),
                ("TOPPADDING", (0, 0), (-1, -1), 3 * mm),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3 * mm),
            ]
        )
    )
    return [Spacer(1, 5 * mm), table]


def _story(sheet: PrintSheet) -> list[Flowable]:
    story: list[Flowable] = [
        _para(sheet.organisation_name, "kicker"),
        _para("Peer support prescription", "title"),
        # Seed 000's four lines: patient, group, link, dose.
        _para(sheet.patient_name, "patient"),
        Spacer(1, 2 * mm),
        _para(sheet.what, "group"),
    ]
    if sheet.website:
        story.append(_para(sheet.website, "link"))
    story += [
        Spacer(1, 3 * mm),
        _one_line(sheet.dose_sentence, font=_BOLD, largest=_DOSE_MAX_SIZE, width=_WIDTH),
        _para(sheet.dose_dates, "body"),
    ]
    story.append(_para("How to join", "heading"))
    story += [_para(line, "body") for line in sheet.how_to_join]
    if sheet.reasons:
        story += [_para("Why now", "heading"), _para("; ".join(sheet.reasons), "body")]
    if sheet.note_to_patient:
        story += [_para("A note from your clinician", "heading"), _para(sheet.note_to_patient, "body")]
    story += [
        _para("Prescribed by", "heading"),
        _para(f"{sheet.clinician_name}, {sheet.organisation_name}", "body"),
        _para(f"Date: {sheet.prescribed_on_text}", "body"),
    ]
    story += _invitation_block(sheet)
    story += [Spacer(1, 5 * mm), _para(sheet.not_medical_advice, "small")]
    return story


def pdf_bytes(sheet: PrintSheet, *, compress: bool = True) -> bytes:
    """One A4 page (a long note is shrunk to fit rather than spilling over); the same bytes for the same sheet."""
    buffer = BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=_MARGIN,
        rightMargin=_MARGIN,
        topMargin=_MARGIN,
        bottomMargin=_MARGIN,
        # No patient name in the file's metadata: it travels with the file.
        title="Peer support prescription",
        author=sheet.organisation_name,
        creator="PeerPath",
        invariant=1,
        pageCompression=1 if compress else 0,
    )
    document.build([KeepInFrame(_WIDTH, _HEIGHT - 1, _story(sheet), mode="shrink")])
    return buffer.getvalue()
