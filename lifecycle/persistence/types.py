"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import BigInteger, DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC, returns timezone-aware UTC.

    SQLite has no zone-aware type and would hand back naive values; normalising on the
    way in and out means no code path ever compares a naive time with an aware one.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"refusing to store naive datetime {value.isoformat()}")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


class UTCInstant(UTCDateTime):
    """``UTCDateTime`` stored narrower on SQLite: an integer count of microseconds since
    1970-01-01 00:00 UTC (BIGINT), where ``UTCDateTime`` stores 26 characters of text.

    For the reminders table, whose rows a batch's re-plan writes by the hundred (bench
    4a): six instants a row were 156 of its ~350 bytes, and the sweep index held one as
    text too. The same instant to the microsecond either way, compared and ordered the
    same (SQL sees integers, bound through this type). PostgreSQL keeps timestamptz.
    """

    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(self.impl_instance)

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if dialect.name != "sqlite" or value is None:
            return super().process_bind_param(value, dialect)
        if value.tzinfo is None:
            raise ValueError(f"refusing to store naive datetime {value.isoformat()}")
        return (value - _EPOCH) // _MICROSECOND

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if dialect.name != "sqlite" or value is None:
            return super().process_result_value(value, dialect)
        assert isinstance(value, int)
        return _EPOCH + value * _MICROSECOND
