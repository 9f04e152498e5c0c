from assistant.retrieve import Scope, TimePreference
from assistant.settings import Settings


def test_date_window_and_undated_articles():
    w = Scope(since=10, until=20)
    assert w.admits(10) and w.admits(20) and not w.admits(21) and not w.admits(9)
    assert Scope(until=20).admits(-1)  # undated cannot be shown to be later
    assert not Scope(since=10).admits(-1)  # nor to be newer


def test_time_preference_favours_recent_and_named_dates():
    s = Settings()
    recent = TimePreference(reference_day=100, recent=True)
    assert recent.boost(100, s) > recent.boost(93, s) > recent.boost(50, s) > 1.0
    assert recent.boost(-1, s) == 1.0
    named = TimePreference(since=10, until=20)
    assert named.boost(15, s) == 1.0 + s.question_date_weight and named.boost(30, s) == 1.0
    assert TimePreference().boost(15, s) == 1.0


def test_scope_keeps_only_the_chosen_outlets():
    scope = Scope(sources=frozenset({"Reuters"}))
    assert scope.narrowed and not Scope().narrowed
    assert scope.admits_chunk({"day": 5, "source": "Reuters"})
    assert not scope.admits_chunk({"day": 5, "source": "AP"})
    assert not scope.admits_chunk({"day": 5})  # an article without an outlet is not from the chosen ones
    assert Scope().admits_chunk({"day": 5})
