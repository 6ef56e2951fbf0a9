"""%json / %table / %matplot and value conversion, on plain Python values (no Spark)."""

import base64
import datetime
import decimal

import pytest

from sparkport_driver import outputs
from sparkport_driver.executor import Executor
from sparkport_driver.outputs import Limits
from sparkport_driver.tables import TABLE_MIME


@pytest.fixture
def ex():
    return Executor(send=None)


def run(ex, code, sid=1):
    return ex.execute(1, sid, "pyspark", code)


def test_json_of_any_expression(ex):
    run(ex, "srdd = {'ak': 'Alaska', 'ca': 'California'}")
    out = run(ex, "%json [(k, v) for k, v in srdd.items() if k == 'ak']")
    assert out == {"status": "ok", "execution_count": 1, "data": {"application/json": [["ak", "Alaska"]]}}
    assert run(ex, '%json srdd.get("ak")')["data"] == {"application/json": "Alaska"}


def test_code_then_magic_in_one_block(ex):
    out = run(ex, "data = [('ak', 'Alaska')]\n%json data")
    assert out["data"] == {"application/json": [["ak", "Alaska"]]}


def test_magic_then_code_runs_in_order(ex):
    out = run(ex, "a = 1\n%json a\na = 2\nprint('after')")
    assert out["data"] == {"application/json": 1, "text/plain": "after"}
    assert run(ex, "a")["data"]["text/plain"] == "2"


def test_last_magic_wins(ex):
    out = run(ex, "%json 1\n%json 2")
    assert out["data"] == {"application/json": 2}


def test_bad_code_in_a_magic_block_runs_nothing(ex):
    out = run(ex, "z = 1\n%json z\nz = (")
    assert out["ename"] == "SyntaxError"
    assert '  File "<stdin>", line 3\n' in out["traceback"]
    assert run(ex, "z")["ename"] == "NameError"


def test_json_conversions(ex):
    run(
        ex,
        "import datetime, decimal\n"
        "v = {'d': datetime.date(2020, 1, 2), 't': datetime.datetime(2020, 1, 2, 3, 4, 5),"
        " 'n': decimal.Decimal('1.50'), 'i': decimal.Decimal('3'), 'b': b'ab', 'tu': (1, (2, 3)),"
        " 'nan': float('nan'), 1: 'int key', 's': {3}}",
    )
    assert run(ex, "%json v")["data"]["application/json"] == {
        "d": "2020-01-02",
        "t": "2020-01-02T03:04:05",
        "n": 1.5,
        "i": 3,
        "b": base64.b64encode(b"ab").decode(),
        "tu": [1, [2, 3]],
        "nan": "NaN",
        "1": "int key",
        "s": [3],
    }


def test_json_missing_name_is_a_real_error(ex):
    out = run(ex, "%json nope")
    assert out["status"] == "error" and out["ename"] == "NameError"
    assert out["evalue"] == "name 'nope' is not defined"


def test_json_unconvertible_value(ex):
    out = run(ex, "class Foo: pass\n%json Foo()")
    assert out["status"] == "error" and out["ename"] == "ValueError"
    assert "Foo" in out["evalue"] and "JSON" in out["evalue"]
    run(ex, "cyc = []\ncyc.append(cyc)")
    assert run(ex, "%json cyc")["ename"] == "ValueError"
    assert run(ex, "1")["status"] == "ok"  # the session lives on


def test_unknown_and_empty_magic(ex):
    out = run(ex, "%foo x")
    assert (out["ename"], out["evalue"]) == ("UnknownMagic", "unknown magic command 'foo'")
    out = run(ex, "%")
    assert (out["ename"], out["evalue"]) == ("UnknownMagic", "magic command not specified")
    assert run(ex, "%json")["status"] == "error"


def test_unknown_magic_runs_nothing(ex):
    assert run(ex, "q = 1\n%foo")["ename"] == "UnknownMagic"
    assert run(ex, "q")["ename"] == "NameError"


def test_table_of_list_rows(ex):
    out = run(ex, "%table [[1, 'a', 1.5], [3, 'b', None]]")
    assert out["data"] == {
        TABLE_MIME: {
            "headers": [
                {"name": "0", "type": "INT_TYPE"},
                {"name": "1", "type": "STRING_TYPE"},
                {"name": "2", "type": "DOUBLE_TYPE"},
            ],
            "data": [[1, "a", 1.5], [3, "b", None]],
        }
    }


def test_table_of_dict_rows_sorted_by_key(ex):
    out = run(ex, "%table [{'b': True, 'a': 'x'}, {'a': 'y', 'b': False}]")
    t = out["data"][TABLE_MIME]
    assert t["headers"] == [{"name": "a", "type": "STRING_TYPE"}, {"name": "b", "type": "BOOLEAN_TYPE"}]
    assert t["data"] == [["x", True], ["y", False]]


def test_table_missing_keys_become_nulls(ex):
    t = run(ex, "%table [{'a': 1, 'b': 2}, {'b': 3}]")["data"][TABLE_MIME]
    assert t["data"] == [[1, 2], [None, 3]]


def test_table_scalar_rows_and_single_value(ex):
    t = run(ex, "%table [1, 2]")["data"][TABLE_MIME]
    assert t == {"headers": [{"name": "0", "type": "INT_TYPE"}], "data": [[1], [2]]}
    t = run(ex, "%table {'k': 'v'}")["data"][TABLE_MIME]
    assert t == {"headers": [{"name": "k", "type": "STRING_TYPE"}], "data": [["v"]]}


def test_table_null_upgraded_and_type_names(ex):
    code = (
        "import datetime, decimal\n"
        "%table [[None, datetime.date(2020,1,2), datetime.datetime(2020,1,2,3,4), decimal.Decimal('2.5'), [1], {'a': 1}],"
        " [7, None, None, None, None, None]]"
    )
    t = run(ex, code)["data"][TABLE_MIME]
    assert [h["type"] for h in t["headers"]] == [
        "INT_TYPE", "DATE_TYPE", "TIMESTAMP_TYPE", "DECIMAL_TYPE", "ARRAY_TYPE", "MAP_TYPE",
    ]
    assert t["data"][0] == [None, "2020-01-02", "2020-01-02T03:04:00", 2.5, [1], {"a": 1}]


def test_table_numeric_columns_sort_numerically(ex):
    t = run(ex, "%table [list(range(12))]")["data"][TABLE_MIME]
    assert [h["name"] for h in t["headers"]] == [str(i) for i in range(12)]


def test_table_mixed_types_is_a_type_error(ex):
    out = run(ex, "%table [[1], ['a']]")
    assert out["status"] == "error"
    assert (out["ename"], out["evalue"]) == ("TypeError", "table rows have different types")
    assert run(ex, "1")["status"] == "ok"


def test_matplot(ex):
    pytest.importorskip("matplotlib")
    out = run(ex, "import matplotlib\nimport matplotlib.pyplot as plt\nplt.plot([1, 2, 3])\n%matplot plt")
    assert out["status"] == "ok", out
    png = base64.b64decode(out["data"]["image/png"])
    assert png.startswith(b"\x89PNG")
    assert out["data"]["text/plain"] == ""
    assert run(ex, "matplotlib.get_backend().lower()")["data"]["text/plain"] == "'agg'"
    assert run(ex, "%matplot 42")["ename"] == "ValueError"


# ---- outputs helpers --------------------------------------------------------------------------

def test_cut_text():
    assert outputs.cut_text("abc", 10) == ("abc", False)
    assert outputs.cut_text("abcdef", 3) == ("abc", True)
    assert outputs.cut_text("ééé", 3) == ("é", True)  # 2 bytes each, never half a character


def test_to_json_rejects_unknown_objects():
    with pytest.raises(outputs.ConversionError):
        outputs.to_json(object())
    assert outputs.to_json(datetime.timedelta(seconds=90)) == 90.0
    assert outputs.to_json(decimal.Decimal("Infinity")) == "Infinity"


def test_limits_from_welcome():
    assert Limits.from_welcome({"rows": 5, "text_bytes": 7}) == Limits(5, 7)
    assert Limits.from_welcome(None) == Limits()
    assert Limits.from_welcome({"rows": "x"}).rows == 1000
