"""Scoring the assistant against gold questions (`scoring.py`) and the report people read
(`report.py`, with matplotlib charts). See `scoring` for the gold format and the metrics."""

from assistant.evaluation.scoring import (
    EvalReport,
    GoldFileError,
    GoldRow,
    QuestionResult,
    compare,
    compare_table,
    evaluate,
    first_sentence,
    is_correct,
    judged,
    lexical_support,
    load_gold,
    load_run,
    summarize,
)

__all__ = [
    "EvalReport",
    "GoldFileError",
    "GoldRow",
    "QuestionResult",
    "compare",
    "compare_table",
    "evaluate",
    "first_sentence",
    "is_correct",
    "judged",
    "lexical_support",
    "load_gold",
    "load_run",
    "summarize",
]
