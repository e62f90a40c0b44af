from altresponse import schema
from tests.conftest import ROOT


def test_data_dictionary_is_current() -> None:
    current = (ROOT / "docs" / "data-dictionary.md").read_text(encoding="utf-8")
    assert current == schema.data_dictionary_markdown(), "run `altresponse schema docs` to regenerate it"


def test_every_table_has_unique_column_names() -> None:
    for table in (*schema.ALL_TABLES, schema.CLASSIFIED_CALLS):
        assert len(table.names) == len(set(table.names)), table.name


def test_primary_keys_are_columns() -> None:
    for table in schema.ALL_TABLES:
        for key in table.primary_key:
            table.column(key)
