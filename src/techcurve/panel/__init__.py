"""The expert panel: Delphi rounds over the store's sub-fields (docs/panel.md).

``model`` holds the values, ``tokens`` the experts' personal tokens, ``roster`` the list
of experts a panel is made from, ``answers`` the validation of an answer, ``aggregate``
a closed round's numbers and the consensus rule, ``rounds`` the panel on an open store,
``views`` what an expert sees of a round, ``forms`` the Excel forms. The db-level entry
points are :mod:`techcurve.pipeline.panel`. This face only documents: import the
submodules.
"""
