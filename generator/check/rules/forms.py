"""Rules on what the forms print: values a recipient compares with its own papers."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from generator.check.rules.registry import Context, Problem, each_product, rule


def _weighed(lots: list[Any]) -> list[tuple[int, dict[str, Any]]]:
    return [(i, lot) for i, lot in enumerate(lots) if isinstance(lot, dict)]


def _lots_without_weight(pointer: str, lots: list[Any], why: str) -> Iterator[Problem]:
    """A problem at each lot given as a plain number, saying how to give its weight."""
    for index, lot in enumerate(lots):
        if isinstance(lot, str):
            yield Problem(
                f"{pointer}/lots/{index}",
                f"give the net weight of lot {lot} ({why}): {{number: {lot}, net_weight_kg: ...}}",
            )


@rule("G320")
def lot_weights_given_for_every_lot(context: Context) -> Iterator[Problem]:
    """Where a product gives the weight of one lot, it gives the weight of every lot.

    A TM-11 prints one row a lot with its weight; a lot without a weight beside lots with
    one leaves that row blank and the product's lots no longer add up.

    Source: CCOF, "Exports to Taiwan subject to residue testing": the TM-11's "Marked weight
    of lot" must match the Taiwan importer's application exactly
    <https://ccof.org/news/exports-to-taiwan-subject-to-residue-testing>.

    Fix: write this lot as ``{number: ..., net_weight_kg: ...}`` like the others, or give
    every lot as a plain lot number.
    """
    for pointer, product in each_product(context):
        lots = product.get("lots", [])
        if _weighed(lots):
            yield from _lots_without_weight(pointer, lots, "as for the other lots")


@rule("G321")
def lot_weights_add_up_to_net_weight(context: Context) -> Iterator[Problem]:
    """The weights of a product's lots add up to the product's net weight.

    The certificate gives the product's net weight and, for each lot, its marked weight; an
    authority that compares either with the importer's application finds the other wrong
    when they differ.

    Source: CCOF, "Exports to Taiwan subject to residue testing": the TM-11's "Marked weight
    of lot" must match the Taiwan importer's application exactly
    <https://ccof.org/news/exports-to-taiwan-subject-to-residue-testing>.

    Fix: correct the lot weights or the product's ``net_weight_kg`` so that the lots add up
    to it (the message gives both totals).
    """
    for pointer, product in each_product(context):
        lots = product.get("lots", [])
        weighed = _weighed(lots)
        if not weighed or len(weighed) != len(lots):
            continue
        total = sum((Decimal(str(lot["net_weight_kg"])) for _, lot in weighed), Decimal(0))
        net = Decimal(str(product["net_weight_kg"]))
        if total != net:
            yield Problem(
                f"{pointer}/net_weight_kg",
                f"the lots weigh {total.normalize():,f} kg together, but the net weight is "
                f"{net.normalize():,f} kg: correct the lot weights or the net weight",
            )


@rule("G322")
def lot_weights_given_where_matched(context: Context) -> Iterator[Problem]:
    """Where the destination matches the weight of each lot, every lot gives its weight.

    Taiwan compares the TM-11's "Marked weight of lot" with the importer's application; a
    product with one lot is its own weight, but a product with several lots must give the
    weight of each (data/destinations.yaml, lot_weights_required).

    Source: CCOF, "Exports to Taiwan subject to residue testing": Exported by, Consigned
    to, Product as labeled, Lot number and Marked weight of lot must match the Taiwan
    importer's application exactly
    <https://ccof.org/news/exports-to-taiwan-subject-to-residue-testing>.

    Fix: write each lot as ``{number: ..., net_weight_kg: ...}``, the weights adding up to
    the product's net weight.
    """
    market = context.facts.market
    if market is None or not market.lot_weights_required:
        return
    for pointer, product in each_product(context):
        lots = product.get("lots", [])
        if len(lots) >= 2 and not _weighed(lots):  # some weights given: G320 names the others
            why = f"{market.name} matches the marked weight of each lot"
            yield from _lots_without_weight(pointer, lots, why)


@rule("G323")
def importer_control_body_named(context: Context) -> Iterator[Problem]:
    """Where the importer must be registered with the destination's control body, the request
    names it with the importer's registration.

    Importers into Great Britain must be established there and registered and certified by
    an approved UK control body; port health asks for proof of it, and the GB certificate of
    inspection names the importer with it (data/destinations.yaml,
    importer_control_body_required).

    Source: Port Health, organics import guidance ("registered and certified by an approved
    UK control body ... applies to both the importer and first consignee")
    <https://www.porthealth.uk/import-guidance/organics/>; North West Leicestershire port
    health <https://www.nwleics.gov.uk/pages/organics>.

    Fix: add the importer's ``control_body`` (name and code) and its ``registration_id``
    with that control body.
    """
    market = context.facts.market
    if market is None or not market.importer_control_body_required:
        return
    importer = context.data["importer"]
    missing = [key for key in ("control_body", "registration_id") if key not in importer]
    if missing:
        yield Problem(
            "/importer",
            f"an importer into {market.name} must be registered with a control body there: "
            f"add {' and '.join(missing)} (its UK control body and its registration with it)",
        )
