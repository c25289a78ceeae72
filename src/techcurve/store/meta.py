"""The keys of the store's ``meta`` table: one name for each fact a stage records."""

from __future__ import annotations

from enum import StrEnum


class Meta(StrEnum):
    """A key of the ``meta`` table (its values are strings)."""

    SCHEMA_VERSION = "schema_version"
    CREATED_AT = "created_at"
    #: the taxonomy last written by match: its version, SHA-256 and file
    TAXONOMY_VERSION = "taxonomy_version"
    TAXONOMY_HASH = "taxonomy_hash"
    TAXONOMY_PATH = "taxonomy_path"
    #: incremental matching: the matcher's version, the last ingest matched and its records
    MATCH_VERSION = "match_version"
    MATCH_WATERMARK = "match_watermark"
    MATCH_WATERMARK_RECORDS = "match_watermark_records"
    #: the as-of date the indicators were computed for (ISO)
    AS_OF = "as_of"
    #: the model the assessments of the curve come from, and its parameters (JSON)
    ASSESSED_MODEL = "assessed_model"
    ASSESSED_PARAMS = "assessed_params"
