"""The request format's and the reference data's ids in words, for messages and pages: one
table for each kind of id, so that a page, a message and the site's scripts word it alike."""

from __future__ import annotations

CATEGORY_WORDS = {
    "unprocessed_plant": "unprocessed plant products",
    "livestock_product": "livestock products",
    "processed_food": "processed foods",
    "feed": "feed",
    "wine": "wine",
    "alcoholic_beverage": "alcoholic beverages",
    "honey": "honey",
    "aquaculture_algae": "aquaculture and algae",
    "seed": "seed",
    "non_food": "non-food products",
}

CATEGORY_WORD = {
    "unprocessed_plant": "unprocessed plant product",
    "livestock_product": "livestock product",
    "processed_food": "processed food",
    "feed": "feed",
    "wine": "wine",
    "alcoholic_beverage": "alcoholic beverage",
    "honey": "honey",
    "aquaculture_algae": "aquaculture or algae",
    "seed": "seed",
    "non_food": "non-food product",
}
"""One product's category, as a certificate names it."""

CLAIM_WORDS = {
    "100_percent_organic": '"100 percent organic"',
    "organic": '"organic"',
    "made_with_organic": '"made with organic (specified ingredients or food groups)"',
}

ORIGIN_WORDS = {
    "produced_or_processed_in_us": (
        "produced in the United States or, if processed, finally processed or packaged there"
    ),
    "produced_in_us": "produced in the United States",
    "processed_in_us": "finally processed in the United States",
    "any": "of any origin",
}

STATUS_WORDS = {
    "issued": "Valid",
    "cancelled": "Cancelled",
    "superseded": "Superseded",
    "expired": "Expired",
}
"""A published certificate's status today: the register, the certificate's page, the holder's
view, the downloads and the Verify page (which gets this table through the lookup files)."""

STATUS_NOTES = {
    "issued": "",
    "cancelled": "This certificate was cancelled and is not valid.",
    "superseded": "This certificate was replaced by a correction and is not valid.",
    "expired": "The validity period of this certificate has ended.",
}
"""What a status means for whoever holds the certificate (none for a valid one)."""

OPERATION_STATUS_WORDS = {
    "certified": "certified",
    "surrendered": "surrendered",
    "suspended": "suspended",
    "revoked": "revoked",
    "transitional": "transitional",
    "denied_certification": "denied certification",
    "withdrew_with_nonc": "withdrawn after a notice of noncompliance",
    "withdrew_from_transitional": "withdrawn while transitional",
}
"""An operation's status in the Organic INTEGRITY Database (its data dictionary's statuses)."""

SCOPE_WORDS = {
    "crops": "crops",
    "livestock": "livestock",
    "wild_crops": "wild crops",
    "handling": "handling",
}

ANIMAL_WORDS = {"ruminant": "ruminant", "non_ruminant": "non-ruminant"}

ISSUED_IN_WORDS = {
    "oid": "the USDA Organic INTEGRITY Database (OID)",
    "traces": "EU TRACES NT",
    "e_naqs": "Korea's e-NAQS system",
}
"""Where a document is issued when it is not on the certifier's own form ("certifier")."""

CHOICE_WORDS = {
    "import": "Import (NOP Import Certificate)",
    "export": "Export certificate",
    "single_shipment": "One shipment",
    "multiple_shipments": "Several shipments of a designated quantity",
    "time_frame": "A time frame (several shipments)",
    "truck": "Truck",
    "rail": "Rail",
    "ocean": "Ocean",
    "air": "Air",
    "bill_of_lading": "Bill of lading",
    "air_waybill": "Air waybill",
    "rail_waybill": "Rail waybill",
    "road_consignment_note": "Road consignment note (CMR)",
    "in_conversion": "In conversion",
    "100_percent_organic": "100% organic",
    "organic": "Organic",
    "made_with_organic": "Made with organic (specified ingredients)",
    "requested": "Requested",
    "issued": "Issued",
    "cancelled": "Cancelled",
    "superseded": "Superseded",
    "shipment_not_made": "The shipment was not made",
    "issued_in_error": "Issued in error",
    "operation_status_changed": "An operation's certification status changed",
    "client_request": "At the client's request",
    "other": "Other",
    **{key: words[:1].upper() + words[1:] for key, words in CATEGORY_WORD.items()},
}
"""The request format's choices as the Request a certificate page lists them (document types
come from data/destinations.yaml's titles); a test holds that every choice has its words."""

CANCEL_REASONS = (
    "shipment_not_made",
    "issued_in_error",
    "operation_status_changed",
    "client_request",
    "other",
)
"""Why a certificate is cancelled (``certgen cancel --reason``; the request format's
``cancellation.reason``)."""
