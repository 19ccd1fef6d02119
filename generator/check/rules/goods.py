"""Rules on the products: certified items, tariff codes, weights, and what destinations accept."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from generator.check.reference_data import Terms
from generator.check.rules.registry import Context, Problem, each_product, rule
from generator.check.words import CATEGORY_WORDS, CLAIM_WORDS, ORIGIN_WORDS
from generator.findings import shown


@rule("G301")
def product_on_certified_item_list(context: Context) -> Iterator[Problem]:
    """Each product, as labeled, is on the exporter's certified item list.

    Certificates cover only products already on the operation's certificate in OID, under
    the name on the label's principal display panel (AMS; certifier practice: products must
    be pre-approved). The comparison ignores case and extra spaces.

    Source: AMS, Electronic Organic Import Certificates (a certificate covers products on the
    operation's certificate); Oregon Tilth and QCS (products approved before a transaction
    certificate is requested); certifier policy: data/operations.yaml, certified_items.

    Fix: write the product name exactly as on the certified item list (the message lists
    them), or have the product added to the operation's certificate first.
    """
    operation = context.ref.operations.get(context.request.exporter["operation_id"])
    if operation is None:
        return
    names = "; ".join(i.name_as_labeled for i in operation.items) or "none"
    for pointer, product in each_product(context):
        if operation.item(product["name_as_labeled"]) is None:
            yield Problem(
                f"{pointer}/name_as_labeled",
                f"{shown(product['name_as_labeled'])} is not "
                f"on {operation.name}'s certified items: "
                f"{names}",
            )


@rule("G302")
def product_category_matches_item(context: Context) -> Iterator[Problem]:
    """Each product's category is the category of the certified item.

    The category decides which destinations accept the product and which statements and
    attestations it needs, so it must be the one recorded for the certified item.

    Source: certifier policy: data/operations.yaml, certified_items[].category (the category
    decides the statements, attestations and scope that apply).

    Fix: use the category given in the message, or correct the item in
    data/operations.yaml if the snapshot is wrong.
    """
    operation = context.ref.operations.get(context.request.exporter["operation_id"])
    if operation is None:
        return
    for pointer, product in each_product(context):
        item = operation.item(product["name_as_labeled"])
        if item and item.category != product["category"]:
            yield Problem(
                f"{pointer}/category",
                f"{item.name_as_labeled} is certified as "
                f"{item.category}, not {product['category']}",
            )


@rule("G303")
def one_product_per_import_certificate(context: Context) -> Iterator[Problem]:
    """An import request covers exactly one product.

    OID issues one NOP Import Certificate per product and HTS code (AMS), and brokers
    file one certificate number per tariff line.

    Source: AMS, Electronic Organic Import Certificates (one certificate per commodity or HTS
    code); QCS (one request is a volume of a single product).

    Fix: split the request: one request (and file) per product.
    """
    products = context.request.products
    if context.request.is_import and len(products) > 1:
        yield Problem(
            "/products/1",
            f"an import certificate covers one product; this request "
            f"lists {len(products)}: make one request per product",
        )


@rule("G304")
def hts_code_has_ten_digits(context: Context) -> Iterator[Problem]:
    """An import's HTS code has all 10 digits.

    ACE needs the 10-digit HTSUS statistical reporting number on each organic line, and
    one NOP Import Certificate per 10-digit code; where the HTSUS has a "certified
    organic" statistical line for the product, use it.

    Source: CBP ACE PGA message set OR2 (10-digit HTSUS number per line), as brokers document it
    (Flegenheimer, Willson International); HTSUS General Statistical Note 6 ("certified
    organic" lines).

    Fix: write the full 10-digit code, for example 0804.40.0010.
    """
    if not context.request.is_import:
        return
    for pointer, product in each_product(context):
        digits = _digits(product["tariff_code"])
        if len(digits) != 10:
            yield Problem(
                f"{pointer}/tariff_code",
                f"HTS code {product['tariff_code']} has "
                f"{len(digits)} digits; an import certificate "
                "needs all 10 (e.g. 0804.40.0010)",
            )


@rule("G305")
def tariff_code_fits_destination(context: Context) -> Iterator[Problem]:
    """An export's tariff code is the kind the destination uses.

    TRACES certificates of inspection (EU, Northern Ireland, Switzerland) and the GB model
    carry the 8-digit Combined Nomenclature (CN) code in box 13; other destinations take
    the 6-digit HS code or a longer national code.

    Source: Delegated Regulation (EU) 2021/2306, Annex, box 13 (CN code); CCOF international FAQ
    (the CN code is required on the certificate of inspection).

    Fix: for CN destinations give the 8-digit CN code (0802 12 90); elsewhere at least
    the 6 HS digits.
    """
    market = context.facts.market
    if market is None:
        return
    for pointer, product in each_product(context):
        digits = _digits(product["tariff_code"])
        if market.tariff_code == "cn8" and len(digits) != 8:
            yield Problem(
                f"{pointer}/tariff_code",
                f"{market.name} needs the 8-digit CN code; "
                f"{product['tariff_code']} has {len(digits)} "
                "digits",
            )
        elif market.tariff_code == "hs6" and not 6 <= len(digits) <= 10:
            yield Problem(
                f"{pointer}/tariff_code",
                f"{product['tariff_code']} is not an HS code: give 6 to 10 digits",
            )


@rule("G306")
def weights_are_positive(context: Context) -> Iterator[Problem]:
    """Weights are positive numbers of kilograms.

    Quantities on certificates and in ACE are in kilograms; a zero or negative weight is a
    typing error.

    Source: certgen: weights are recorded in kilograms (the unit ACE and the certificates use).

    Fix: give the weight in kilograms, greater than zero.
    """
    for pointer, product in each_product(context):
        for field in ("net_weight_kg", "gross_weight_kg"):
            if field in product and product[field] <= 0:
                yield Problem(
                    f"{pointer}/{field}", f"{field} must be more than 0 kg, not {product[field]}"
                )
    for index, shipment in enumerate(context.data.get("shipments", ())):
        if shipment["net_weight_kg"] <= 0:
            yield Problem(
                f"/shipments/{index}/net_weight_kg",
                f"net_weight_kg must be more than 0 kg, not {shipment['net_weight_kg']}",
            )


@rule("G307")
def gross_weight_not_below_net(context: Context) -> Iterator[Problem]:
    """The gross weight is not less than the net weight.

    Gross weight includes the packaging; a smaller gross weight means the two were swapped
    or one was given in another unit (pounds instead of kilograms).

    Source: certgen: the gross weight includes the packaging (Delegated Regulation (EU) 2021/2306,
    Annex, boxes 13 and 16 give both).

    Fix: check both weights and their unit (kg).
    """
    for pointer, product in each_product(context):
        gross = product.get("gross_weight_kg")
        if gross is not None and Decimal(str(gross)) < Decimal(str(product["net_weight_kg"])):
            yield Problem(
                f"{pointer}/gross_weight_kg",
                f"gross weight {gross} kg is less than the "
                f"net weight {product['net_weight_kg']} kg",
            )


@rule("G308")
def organic_content_meets_destination(context: Context) -> Iterator[Problem]:
    """Each product has at least the organic content the arrangement requires.

    Japan and Korea accept under their arrangements only products with at least 95%
    organic ingredients (excluding water and salt), as the terms in force on the
    departure date say (data/destinations.yaml, min_organic_percent).

    Source: AMS Japan page and AMS NOPTradeKorea page ("all organic products exported
    under the arrangement must be 95% organic content or greater"), cited in
    data/destinations.yaml.

    Fix: give ``organic_percent`` for each product from its approved formulation;
    products below the minimum cannot be exported under the arrangement.
    """
    terms = context.facts.terms
    if terms is None or terms.min_organic_percent is None:
        return
    minimum = terms.min_organic_percent
    for pointer, product in each_product(context):
        percent = product.get("organic_percent")
        if percent is None:
            yield Problem(
                pointer,
                f"{_name(context)} requires at least {minimum:g}% organic content; give "
                "organic_percent (100 for a single-ingredient product, otherwise from its "
                "approved formulation)",
            )
        elif percent < minimum:
            yield Problem(
                f"{pointer}/organic_percent",
                f"{_name(context)} requires at least {minimum:g}% organic content, "
                f"not {percent:g}%",
            )


@rule("G312")
def claim_accepted_by_destination(context: Context) -> Iterator[Problem]:
    """Each product's organic claim is one the arrangement accepts.

    The EU, Northern Ireland, Switzerland and Great Britain take products labelled
    organic; Japan and Korea take only products of at least 95% organic content, so a
    "made with organic" product never qualifies there, whatever its percentage.

    Source: data/destinations.yaml, claims of the terms in force: AMS Japan and
    NOPTradeKorea pages ("Made With Organic" products are not covered); for the EU,
    Switzerland and GB, the AMS pages cover products certified and labelled organic (no
    source names "made with organic" products for them: certifier reading of the
    arrangements, recorded in the terms' notes).

    Fix: such a product cannot be exported under the arrangement; remove the line, or
    correct ``claim`` if the label says otherwise.
    """
    terms = context.facts.terms
    if terms is None or terms.claims is None:
        return
    accepted = " or ".join(CLAIM_WORDS[c] for c in sorted(terms.claims))
    for pointer, product in each_product(context):
        claim = product["claim"]
        if claim not in terms.claims:
            yield Problem(
                f"{pointer}/claim",
                f"{_name(context)} does not accept {CLAIM_WORDS[claim]} products under "
                f"its arrangement; only {accepted}",
            )


@rule("G309")
def category_accepted_by_destination(context: Context) -> Iterator[Problem]:
    """Each product's category is within the scope of the arrangement in force.

    Korea's arrangement covers processed products only; Japan's excludes honey, alcoholic
    beverages, livestock feed and non-food products, and covered livestock products only
    from 2020-07-16 (data/destinations.yaml, terms). A product of animal origin (cheese,
    milk powder: data/operations.yaml, certified_items[].animal) counts as a livestock
    product too.

    Source: AMS NOPTradeKorea page (processed products); AMS Japan FAQ (livestock from
    2020-07-16) and Oregon Tilth's Japan page (out-of-scope products), cited in
    data/destinations.yaml.

    Fix: such products cannot be exported under the arrangement; remove the line, or ask
    the certificate desk about the destination's own rules.
    """
    terms = context.facts.terms
    if terms is None:
        return
    for (pointer, product), (kinds, _, _) in zip(
        each_product(context), context.facts.profiles, strict=True
    ):
        category = product["category"]
        refused = _refused(terms, category, kinds)
        if refused is not None:
            yield Problem(
                f"{pointer}/category",
                f"{_name(context)} does not accept {CATEGORY_WORDS[refused]} under the "
                f"terms in force on the departure date ({terms.period})",
            )


def _refused(terms: Terms, category: str, kinds: frozenset[str]) -> str | None:
    """The kind the terms refuse: the category outside those allowed, or any kind excluded
    (a cheese is refused where livestock products are)."""
    if terms.allowed_categories is not None and category not in terms.allowed_categories:
        return category
    excluded = sorted(kinds & terms.excluded_categories)
    return excluded[0] if excluded else None


@rule("G310")
def origin_meets_destination(context: Context) -> Iterator[Problem]:
    """Each product was produced or processed where the arrangement in force requires.

    The EU, UK, Swiss and Japanese arrangements cover products produced in the United
    States or finally processed there; Taiwan's, since the 2020 AIT/TECRO arrangement,
    products raised in the United States or whose final processing or packaging occurs
    there (before it, only products produced in the United States); Korea's processed
    products with final processing in the United States. A processed product's origin is
    where it was last processed: US-grown oats milled in Canada do not qualify.

    Source: AMS EU, UK, Switzerland, Japan and Korea pages; QAI, OneCert and OTA on the
    2020 US-Taiwan arrangement (cited in data/destinations.yaml).

    Fix: correct ``produced_in`` or ``processed_in``; products outside the arrangement
    cannot be exported under it.
    """
    terms = context.facts.terms
    if terms is None or terms.origin == "any":
        return
    for pointer, product in each_product(context):
        if not origin_meets(terms.origin, product):
            field = _origin_field(terms.origin, product)
            yield Problem(
                f"{pointer}/{field}" if field in product else pointer,
                f"{_name(context)} accepts only products {ORIGIN_WORDS[terms.origin]}, "
                f"under the terms in force on the departure date ({terms.period})",
            )


def origin_meets(origin: str, product: dict[str, Any]) -> bool:
    """Whether a product meets an origin condition. A processed product's origin is where it
    was last processed: US-grown oats milled in Canada are a Canadian product, Canadian oats
    milled in the United States a US one."""
    produced = str(product["produced_in"])
    processed: str | None = product.get("processed_in")
    if origin == "produced_or_processed_in_us":
        return (processed or produced) == "US"
    if origin == "produced_in_us":
        return produced == "US" and processed in (None, "US")
    if origin == "processed_in_us":
        return processed == "US"
    return True


def _origin_field(origin: str, product: dict[str, Any]) -> str:
    """The field that makes the product miss the origin condition."""
    if origin == "produced_in_us" and product["produced_in"] != "US":
        return "produced_in"
    return "processed_in" if "processed_in" in product else "produced_in"


def _name(context: Context) -> str:
    market = context.facts.market
    return market.name if market else "The destination"


@rule("G311")
def export_lots_listed(context: Context) -> Iterator[Problem]:
    """Each exported product line lists its lot numbers.

    EU certificates of inspection (box 13), TM-11s for Taiwan ("Lot number") and Chile's
    transaction certificates name the lots covered; without them the document does not
    identify the goods.

    Source: Delegated Regulation (EU) 2021/2306, Annex, box 13 (lot number); CCOF on Taiwan
    (lot number must match the importer's application); Chile's SAG (lot numbers on the
    transaction certificate).

    Fix: add ``lots`` with the lot numbers as on the packages.
    """
    if context.request.is_import:
        return
    for pointer, product in each_product(context):
        if not product.get("lots"):
            yield Problem(pointer, "list the lot numbers of this product under lots")


def _digits(code: str) -> str:
    return "".join(ch for ch in code if ch.isdigit())


@rule("G313")
def tariff_code_fits_product(context: Context) -> Iterator[Problem]:
    """Each product's tariff code falls under an HS heading the certified item can be
    declared under.

    Tariff codes from the HTSUS, the EU Combined Nomenclature and other national tariffs
    share the Harmonized System's first 4 digits (the heading). Each certified item in
    data/operations.yaml lists its headings; a code from another heading (avocados
    declared under the heading for bananas) is a typing error that customs would query,
    and on a NOP Import Certificate it is the code the broker files in ACE.

    Source: certifier policy: data/operations.yaml, certified_items[].hs_headings; AMS
    "Electronic Organic Import Certificates" (one certificate per HTS code).

    Fix: correct the code so it starts with the heading named in the message; if the
    item is really declared under another heading, have it added to the item's
    hs_headings in data/operations.yaml.
    """
    operation = context.ref.operations.get(context.request.exporter["operation_id"])
    if operation is None:
        return
    for pointer, product in each_product(context):
        item = operation.item(product["name_as_labeled"])
        if item is None:
            continue
        digits = _digits(product["tariff_code"])
        if not any(digits.startswith(heading) for heading in item.hs_headings):
            expected = " or ".join(item.hs_headings)
            yield Problem(
                f"{pointer}/tariff_code",
                f"{product['tariff_code']} is not under the HS heading of "
                f"{item.name_as_labeled} ({expected}); give a code that starts with {expected}",
            )


_CLAIM_MINIMUM = {"100_percent_organic": 100, "organic": 95, "made_with_organic": 70}


@rule("G314")
def organic_content_fits_claim(context: Context) -> Iterator[Problem]:
    """A product's organic content is what its claim requires.

    "100 percent organic" means 100% organic ingredients, "organic" at least 95%, and
    "made with organic (specified ingredients or food groups)" at least 70% (excluding
    water and salt); a certificate that gives a claim its own percentage contradicts is
    wrong whatever the destination.

    Source: 7 CFR 205.301(a), (b) and (c) (product composition for each labeling category).

    Fix: correct ``claim`` to the product's labeling category, or ``organic_percent`` to
    the percentage of its approved formulation.
    """
    for pointer, product in each_product(context):
        percent = product.get("organic_percent")
        minimum = _CLAIM_MINIMUM[product["claim"]]
        if percent is not None and percent < minimum:
            yield Problem(
                f"{pointer}/organic_percent",
                f"{CLAIM_WORDS[product['claim']]} needs at least {minimum}% organic content "
                f"(7 CFR 205.301), not {percent:g}%: correct the claim or the percentage",
            )


@rule("G315")
def no_in_conversion_products(context: Context) -> Iterator[Problem]:
    """No product is declared in conversion.

    Box 13 of a certificate of inspection has an in-conversion column for products of
    regimes that have one; the USDA organic regulations do not: their labeling categories
    are "100 percent organic", "organic" and "made with organic", and a transitional
    product is not organic. Under the arrangements, the EU, Switzerland and Great Britain
    take products certified to those regulations, that is organic products.

    Source: 7 CFR 205.300 to 205.305 (the labeling categories); AMS European Union and UK
    pages (products certified to the USDA organic regulations).

    Fix: remove ``organic_status: in_conversion``; a product that is not certified organic
    cannot be exported as organic.
    """
    for pointer, product in each_product(context):
        if product.get("organic_status") == "in_conversion":
            yield Problem(
                f"{pointer}/organic_status",
                "the USDA organic regulations have no in-conversion products: a product "
                "certified to them is organic, and a transitional one cannot be certified",
            )
