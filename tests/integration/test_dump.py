"""``tests.support.dump``, which hundreds of tests compare before and after a refusal,
reads every row of every table, on both backends alike."""

from __future__ import annotations

from lifecycle.persistence.tables import Base
from lifecycle.services import Services, setup
from tests.support import _dump_statements, dump, nominate, seed_programme


def test_a_dump_holds_every_row_of_every_table_and_sees_one_change(services: Services) -> None:
    """The same rows as each table read on its own (PostgreSQL reads them all in one
    round trip), every table there, and one new row shows in its table only."""
    seed_programme(services)
    nominate(services, 2)
    before = dump(services)
    with services.db.reading() as session:
        connection = session.connection()
        one_by_one = {table: [tuple(row) for row in connection.exec_driver_sql(statement)]
                      for table, statement in _dump_statements()}  # fmt: skip
    assert one_by_one == before
    assert {t.name for t in Base.metadata.sorted_tables} | {"alembic_version"} == set(before)
    assert 2 == len(before["officers"])
    assert before == dump(services)

    setup.add_division(services, name="Political-Security Community", department="APSC")
    after = dump(services)
    assert [t for t in before if before[t] != after[t]] == ["divisions"]
