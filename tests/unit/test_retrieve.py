from assistant.retrieve import DateWindow, TimePreference
from assistant.settings import Settings


def test_date_window_and_undated_articles():
    w = DateWindow(since=10, until=20)
    assert w.admits(10) and w.admits(20) and not w.admits(21) and not w.admits(9)
    assert DateWindow(until=20).admits(-1)  # undated cannot be shown to be later
    assert not DateWindow(since=10).admits(-1)  # nor to be newer


def test_time_preference_favours_recent_and_named_dates():
    s = Settings()
    recent = TimePreference(reference_day=100, recent=True)
    assert recent.boost(100, s) > recent.boost(93, s) > recent.boost(50, s) > 1.0
    assert recent.boost(-1, s) == 1.0
    named = TimePreference(since=10, until=20)
    assert named.boost(15, s) == 1.0 + s.question_date_weight and named.boost(30, s) == 1.0
    assert TimePreference().boost(15, s) == 1.0
