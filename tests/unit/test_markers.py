"""`-m "not e2e"` and `-m "not integration"` select by marker, so every such module must carry its own."""

import pytest

from tests.paths import ROOT


@pytest.mark.parametrize("folder, marker", [("e2e", "pytest.mark.e2e"), ("integration", "pytest.mark.integration")])
def test_every_module_carries_its_folder_marker(folder, marker):
    unmarked = [p.name for p in sorted((ROOT / "tests" / folder).glob("test_*.py")) if f"pytestmark = {marker}" not in p.read_text(encoding="utf-8")]
    assert not unmarked, f"tests/{folder}/ modules without `pytestmark = {marker}`: {unmarked}"
