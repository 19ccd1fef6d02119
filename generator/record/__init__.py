"""The published record: what an issued certificate says to the public, in canonical JSON with
its digest, made from a checked request and the reference data."""
