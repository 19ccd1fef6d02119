"""Render stage: a public certificate record -> its HTML fragment (the same markup for the site
page and the PDF), its QR code, and its PDF.

Jinja2 runs with autoescape and StrictUndefined: text from requests is always shown as text,
and a template that asks for a missing field fails loudly instead of printing nothing.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any

import jinja2
import zxingcpp
from markupsafe import Markup

from generator.check.words import CATEGORY_WORD, ISSUED_IN_WORDS, STATUS_NOTES, STATUS_WORDS

QR_BORDER = 2
"""Quiet zone around the code, in modules (the SVG's white background carries it)."""
_DARK_RUN = re.compile(rb"\x00+")

_WORDS = {
    "claim": {
        "100_percent_organic": "100% organic",
        "organic": "Organic",
        "made_with_organic": "Made with organic (specified ingredients)",
    },
    "reason": {
        "shipment_not_made": "the shipment was not made",
        "issued_in_error": "issued in error",
        "operation_status_changed": "an operation's certification status changed",
        "client_request": "withdrawn at the client's request",
        "other": "cancelled",
    },
}
AS_ISSUED_WORDS = "Issued; status today: scan the QR code"
"""The status a PDF prints: the record as issued cannot follow a later cancellation."""
NBSP = "\u00a0"
TIMES = "\u00d7"
_NUMBER_AND_UNIT = re.compile(r"(\d)[ \t]+(?=(?:kg|g|t|lb|oz|l|L|ml|mL|%)(?![^\W\d_]))")


def long_date(value: str) -> str:
    day = date.fromisoformat(value)
    return f"{day.day} {day:%B %Y}"


def kilograms(value: float) -> str:
    """A weight in kilograms with thousands separators, never broken from its unit."""
    amount = Decimal(str(value)).normalize()
    return f"{amount:,f}{NBSP}kg"


def packages(value: dict[str, Any]) -> str:
    """A package count and kind as a quantity, the count with thousands separators: a kind
    that starts with a size ("1,000 kg totes") follows a multiplication sign (U+00D7), so that
    the count and the size are never read as one number; a number stays with its unit."""
    count = f"{value['count']:,}"
    kind = _NUMBER_AND_UNIT.sub(rf"\1{NBSP}", str(value["kind"]).strip())
    if kind[:1].isdigit():
        return f"{count}{NBSP}{TIMES}{NBSP}{kind}"
    return f"{count} {kind}"


def percent(value: float) -> str:
    """A percentage as English writes it: "95%", "97.5%"."""
    return f"{Decimal(str(value)).normalize():f}%"


def nowrap(value: Any) -> Markup:
    """Text that must not break over lines (a number, an ID, a date): copied as typed, the
    line breaking left to CSS so that the characters stay those the register matches."""
    return Markup('<span class="certgen-nowrap">{}</span>').format(value)


def zone_words(zone: str) -> str:
    """A time zone in words ("America/Los_Angeles" -> "Pacific Time"), from CLDR's names of
    its time zones (Babel, which Material for MkDocs installs too)."""
    from babel.dates import get_timezone, get_timezone_name

    name = get_timezone_name(get_timezone(zone), "long", zone_variant="generic", locale="en_US")
    return str(name)


def status_word(status: str) -> str:
    return AS_ISSUED_WORDS if status == "as_issued" else STATUS_WORDS[status]


_DICT_ATTRIBUTES = frozenset(dir(dict))


class _RecordEnvironment(jinja2.Environment):
    """Jinja's environment, finding a plain dictionary's keys without first failing to find
    them as attributes. The templates read records (dictionaries) by dot, which Jinja answers
    by raising and catching an AttributeError for almost every lookup (77 of 78 in a
    certificate's renders: a sixth of their time). A dictionary's own attributes (``items``,
    ``get``, ...) are looked up as Jinja does, so every lookup gives what Jinja's gives."""

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict and type(attribute) is str and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except KeyError:
                return self.undefined(obj=obj, name=attribute)
        return super().getattr(obj, attribute)


@cache
def environment() -> jinja2.Environment:
    env = _RecordEnvironment(
        loader=jinja2.PackageLoader("generator.website", "templates"),
        auto_reload=False,  # certgen's own templates: they do not change while it runs
        autoescape=jinja2.select_autoescape(("html", "html.j2", "xml", "xml.j2")),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        long_date=long_date,
        kg=kilograms,
        packages=packages,
        percent=percent,
        nowrap=nowrap,
        status_word=status_word,
        status_note=STATUS_NOTES.__getitem__,
        claim_word=_WORDS["claim"].__getitem__,
        category_word=CATEGORY_WORD.__getitem__,
        reason_word=_WORDS["reason"].__getitem__,
        issued_in_word=ISSUED_IN_WORDS.__getitem__,
    )
    return env


def qr_svg(url: str) -> str:
    """An inline SVG QR code (error correction M) for ``url``, labelled for screen readers.

    Encoded by zxing-cpp: its C++ encoder takes 0.2 ms a code where a pure-Python one takes
    over 1 ms, which matters when a register of 10,000 certificates is built from scratch.
    """
    code = zxingcpp.create_barcode(url, zxingcpp.BarcodeFormat.QRCode, ec_level="M")
    image = code.to_image(scale=1, add_quiet_zones=False)
    modules = image.shape[0]
    size = modules + 2 * QR_BORDER
    path = _qr_path(bytes(memoryview(image)), modules)  # type: ignore[arg-type]  # a buffer
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" role="img" '
        f'aria-label="QR code linking to {html.escape(url)}" shape-rendering="crispEdges">'
        f'<rect width="{size}" height="{size}" fill="#fff"/>'
        f'<path stroke="#000" d="{path}"/></svg>'
    )


def _qr_path(pixels: bytes, modules: int) -> str:
    """A stroke one module wide along each row's runs of dark modules (pixel value 0),
    with relative moves between runs: about half the size of one rectangle per run. The
    rows are scanned as one buffer, a light pixel between them so no run crosses a row."""
    light = b"\xff"
    rows = light.join(pixels[y * modules : (y + 1) * modules] for y in range(modules))
    stride = modules + 1
    parts = []
    row, end = -1, 0
    for run in _DARK_RUN.finditer(rows):
        y, x = divmod(run.start(), stride)
        width = run.end() - run.start()
        if y != row:
            parts.append(f"M{x + QR_BORDER} {y + QR_BORDER}.5h{width}")
            row = y
        else:
            parts.append(f"m{x - end} 0h{width}")
        end = x + width
    return "".join(parts)


def certificate_fragment(
    record: dict[str, Any],
    digest: str,
    qr: str,
    cert_base: str,
    sample_data: bool,
    preview: bool = False,
) -> str:
    """The certificate's HTML; ``cert_base`` prefixes links to other certificates and files.
    A ``preview`` (a build without the certifier's key) says loudly that it is not valid.
    Without ``qr`` (an SVG from qr_svg), the QR code's place names the link for the browser
    to draw it (the holder view)."""
    template = environment().get_template(f"certificates/{record['document']['type']}.html.j2")
    return template.render(
        certificate=record,
        digest=digest,
        qr_svg=qr,
        cert_base=cert_base,
        sample_data=sample_data,
        preview=preview,
    )


def public_fragment(
    record: dict[str, Any], sample_data: bool, preview: bool, development: bool, pdf: bool
) -> str:
    """The certificate's public page fragment from its public record, with the place where
    its holder's details open. ``development`` says the holder secret is the development one."""
    return (
        environment()
        .get_template("certificates/public.html.j2")
        .render(
            certificate=record,
            sample_data=sample_data,
            preview=preview,
            development=development,
            pdf=pdf,
        )
    )


def stylesheet(name: str) -> str:
    return (resources.files("generator.website") / "templates" / "certificates" / name).read_text(
        "utf-8"
    )


def pdf_html(record: dict[str, Any], fragment: str) -> str:
    title = f"{record['document']['title']} {record['number']}"
    return (
        environment()
        .get_template("certificates/pdf.html.j2")
        .render(
            title=title,
            certifier_name=record["certifier"]["name"],
            description=f"{title}, issued on {record['issued_on']}",
            stylesheet=stylesheet("print.css"),
            fragment=fragment,
        )
    )


def pdf_bytes(
    document: str,
    base_url: str,
    attachments: Sequence[tuple[str, bytes]] = (),
    dated: date = date(2000, 1, 1),
) -> bytes:
    """The PDF of a certificate, made by WeasyPrint from the PDF wrapper of its fragment, with
    ``attachments`` (name, content) as embedded files ``dated`` (so that the same inputs give
    the same bytes)."""
    import weasyprint  # imported lazily: it takes a second and is needed only for PDFs

    when = datetime(dated.year, dated.month, dated.day, tzinfo=UTC)
    files = [
        weasyprint.Attachment(
            string=content, name=name, relationship="Data", created=when, modified=when
        )
        for name, content in attachments
    ]
    return bytes(weasyprint.HTML(string=document, base_url=base_url).write_pdf(attachments=files))
