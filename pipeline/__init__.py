"""corpar: corporate parenting reports for English local authorities from the SSDA903 return."""

__version__ = "0.1.0"
