"""sitegen: a static report-site generator for weekly security briefs."""

__version__ = "0.1.0"
