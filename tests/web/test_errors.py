"""Bad input to any page is a 4xx page that says what was wrong, never a 500."""

import pytest

from tests.web.conftest import Story

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/app/?fran=2026-10-01", 400),
        ("/app/?till=0000-00", 400),
        ("/app/?omrade=Location/Patient/x", 400),
        ("/app/uppfoljning?vardform=%00", 400),
        ("/app/oversikt/fil?format=", 200),  # the default, CSV
        ("/app/fakturaunderlag?version=-1&kommun=0114", 400),
        ("/app/fakturaunderlag/fil?kommun=0114&manad=2026-10", 400),  # no version
        ("/app/fakturaunderlag/fil?kommun=0114&manad=2026-10&version=3", 404),
        ("/app/vardtillfalle/" + "x" * 65, 404),
        ("/app/static/%2e%2e/pages.py", 404),
        ("/app/static/vendor/", 404),
    ],
)
def test_bad_input_is_a_4xx_page(story: Story, path: str, status: int) -> None:
    answer = story.region.get(path)
    assert answer.status_code == status, answer.text[:500]
    if status >= 400:
        assert "<html" in answer.text and "<strong>" in answer.text


def test_a_form_too_large_or_unreadable_is_refused(story: Story) -> None:
    large = story.vasby.post(
        "/app/fakturaunderlag/bestrid", content=b"a=" + b"x" * 70_000, headers=FORM
    )
    assert large.status_code == 400 and "större än" in large.text
    broken = story.vasby.post("/app/fakturaunderlag/bestrid", content=b"\xff\xfe=1", headers=FORM)
    assert broken.status_code == 400
