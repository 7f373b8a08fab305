"""A district's department records that are not Parquet, or not readable: one line in Chinese naming the file (the
parser's English no longer passes through)."""

from __future__ import annotations

import pytest

from jiuzhu.errors import ConfigurationError
from jiuzhu.simulator.store import Store


def test_a_damaged_records_file_is_said_in_chinese(tmp_path, zh):
    (tmp_path / "departments").mkdir()
    (tmp_path / "departments" / "banks.parquet").write_bytes(b"not parquet at all")
    with pytest.raises(ConfigurationError) as exc:
        Store(tmp_path)._rows("banks")
    message = exc.value.message
    assert "banks.parquet" in message and "jiuzhu synth" in message and "Parquet magic" not in message, message
    assert "不是辖区的 banks 记录" in message
