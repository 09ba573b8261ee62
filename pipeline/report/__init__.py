"""The report editions: sections, narrative, charts, the data-quality page and HTML/PDF export."""
