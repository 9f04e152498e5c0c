from assistant.citations import dated, human_date


def test_one_way_to_name_when_and_by_whom():
    assert human_date("2023-03-04") == "4 March 2023"
    assert dated("2023-03-14", "CNN") == "14 March 2023, CNN"
    assert dated("", "CNN") == "date unknown, CNN"
    assert dated("2023-03-14") == "14 March 2023"
    assert dated("") == "date unknown"
