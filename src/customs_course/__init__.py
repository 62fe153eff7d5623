"""Data analytics for Customs: sandbox datasets, grading pipeline and learner checks."""

__version__ = "0.1.0"
