"""When two reports disagree on a figure, and the many ways they only seem to."""

import pytest

from assistant.disagreements import conflict
from assistant.settings import NewsSettings, Settings


@pytest.mark.parametrize(
    "first, second, same_day, expected",
    [
        ("Officials said 12 people died in the flood on Monday.", "Officials said 14 people died in the flood on Monday.", True, (("12",), ("14",))),
        ("Rescuers said 31 people were missing after the ferry sank.", "Rescuers said 37 people were missing after the ferry sank.", True, (("31",), ("37",))),
        # One figure written two ways.
        ("The attack killed 4,000 people, officials said.", "The attack killed 4000 people, officials said.", True, None),
        ("Pelé in the 1960s and 1970s was the most famous athlete.", "Pelé in the 1960s and 70s was the most famous athlete.", True, None),
        ("Dr. Woodson was born December 19,1875, in New Canton.", "Dr. Woodson was born December 19, 1875, in New Canton.", True, None),
        # Different times: another week of a weekly figure, or "a year ago" in reports of other days.
        (
            "The rate averaged 6.92% in the week ending October 13, up from 6.66% the week before.",
            "The rate averaged 7.08% in the week ending October 27, up from 6.94% the week before.",
            False,
            None,
        ),
        ("A year ago, the 30-year fixed rate stood at 3.09%.", "A year ago, the 30-year fixed rate stood at 3.05%.", False, None),
        ("The fire began on Monday, police said.", "The fire began on Tuesday, police said.", True, None),
        # Another subject, a question, a figure only one side gives, a rewrite.
        ("Arizona Financial Theatre, Phoenix. $23 and up.", "Comerica Theatre, Phoenix. $52.50 and up.", True, None),
        ("Who is playing in the Super Bowl 2023?", "Who is playing in Super Bowl 57?", True, None),
        ("Officials said 12 people died in the flood on Monday.", "Officials said people died in the flood on Monday.", True, None),
        ("Officials said 12 people died in the flood.", "Officials said that the flood, which hit 3 towns, killed people.", True, None),
    ],
)
def test_conflict(first, second, same_day, expected):
    found = conflict(first, second, NewsSettings(), same_day=same_day)
    assert (None if found is None else (found.first, found.second)) == expected
