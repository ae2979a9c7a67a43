import pytest

from handoff.desk.waiting import describe_wait


@pytest.mark.parametrize(
    "seconds, words",
    [
        (None, "a few minutes"),
        (0, "less than a minute"),
        (59, "less than a minute"),
        (60, "about 1 minute"),
        (61, "about 2 minutes"),
        (120, "about 2 minutes"),
        (59 * 60, "about 59 minutes"),
        (60 * 60, "about 1 hour"),
        (95 * 60, "about 1 hour 30 minutes"),
        (130 * 60, "about 2 hours 15 minutes"),
    ],
)
def test_the_customer_reads_a_rounded_wait(seconds, words):
    assert describe_wait(seconds) == words
