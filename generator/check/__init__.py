"""The check: request files and reference data loaded with positions, validated against their
schemas, their derived facts decided, and the rules run; every problem a located finding."""
