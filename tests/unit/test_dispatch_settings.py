"""The dispatcher's tuning comes from the environment (or the config file), checked."""

from __future__ import annotations

from datetime import timedelta

import pytest

from console.settings import Settings
from lifecycle.errors import ConfigurationError


def test_defaults_hold_when_nothing_is_set() -> None:
    """Without the variables, the dispatcher keeps its documented defaults."""
    settings = Settings.load(environ={}).dispatch()
    assert (50, timedelta(minutes=5), 8) == (
        settings.batch_size,
        settings.lease,
        settings.max_attempts,
    )


def test_lease_batch_and_attempts_are_read() -> None:
    """A deployment with slow mail can lengthen the lease and shrink the batch."""
    settings = Settings.load(
        environ={
            "ATTACHE_DISPATCH_BATCH_SIZE": "10",
            "ATTACHE_DISPATCH_LEASE_SECONDS": "900",
            "ATTACHE_DISPATCH_MAX_ATTEMPTS": "3",
        }
    ).dispatch()
    assert (10, timedelta(minutes=15), 3) == (
        settings.batch_size,
        settings.lease,
        settings.max_attempts,
    )


@pytest.mark.parametrize("value", ["0", "-5", "ten", "1.5"])
def test_a_value_that_is_not_a_positive_whole_number_is_refused(value: str) -> None:
    """One message naming the variable, its value and what is allowed."""
    with pytest.raises(ConfigurationError) as raised:
        Settings.load(environ={"ATTACHE_DISPATCH_LEASE_SECONDS": value}).dispatch()
    expected = f"ATTACHE_DISPATCH_LEASE_SECONDS={value!r}: must be a whole number of at least 1"
    assert expected == raised.value.message
