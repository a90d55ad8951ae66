"""The funder's reports: figures as of a date, and the documents that show them.

``figures.build_report`` computes one immutable ``model.Report``; ``documents.render``
turns it into PDF, XLSX, CSV or HTML. Nothing is re-exported here, so naming a format
(``documents.FORMATS``) does not import SQLAlchemy, matplotlib or WeasyPrint.
"""
