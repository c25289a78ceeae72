"""The app's routes, one module per area: ``pages`` (the curve, the table, a sub-field),
``report``, ``ingest``, ``facilitator`` and ``api`` (the JSON API). The expert panel's
pages are added as a module beside these."""
