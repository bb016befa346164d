"""Every command on broken inputs and dangerous outputs: exit 2 (1 where a run lists findings),
a Chinese message naming the file, never a traceback, every input byte-identical.

The matrix runs through click's test runner in-process (the same GxxlGroup code path; exit 3
would be an unexpected exception); a few cases run as real subprocesses to check stderr.
"""
from __future__ import annotations

import hashlib
import random
from pathlib import Path

import pytest
from click.testing import CliRunner

from gxxl.samples import bureau as sample
from gxxl.cli import cli
from gxxl.workbook.api import new_workbook

from conftest import SEED, run_gxxl


def _han(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def _hashes(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("faults")
    good = d / "好.xlsx"
    new_workbook(good, meta=sample.SAMPLE_META, values=sample.sample_values(), narrative=sample.SAMPLE_NARRATIVE)
    data = good.read_bytes()
    rng = random.Random(8)
    bad = {
        "截断.xlsx": data[: len(data) // 2],
        "乱码.xlsx": bytes(rng.randrange(256) for _ in range(3000)),
        "网页.xls": b"<html><body><table><tr><td>1</td></tr></table></body></html>",
        "空.xlsx": b"",
        "密码.xlsx": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 500 + "EncryptionInfo".encode("utf-16-le") + b"\0" * 500,
    }
    msoffcrypto = pytest.importorskip("msoffcrypto.format.ooxml")
    import io

    buf = io.BytesIO()
    msoffcrypto.OOXMLFile(io.BytesIO(data)).encrypt("secret", buf)
    bad["密码.xlsx"] = buf.getvalue()
    docs = {
        "截断.docx": data[:2000],
        "乱码.pdf": bytes(rng.randrange(256) for _ in range(3000)),
        "网页.docx": b"<html><body><p>hello</p></body></html>",
        "空.txt": b"",
        "旧版.docx": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 1000,
    }
    for k, v in {**bad, **docs}.items():
        (d / k).write_bytes(v)
    (d / "文件夹.xlsx").mkdir()
    (d / "年报.md").write_text(SEED.read_text(encoding="utf-8"), encoding="utf-8")
    return {"dir": d, "good": good, "bad": [*bad, "文件夹.xlsx", "不存在.xlsx"],
            "docs": [*docs, "文件夹.xlsx", "不存在.docx"], "md": d / "年报.md"}


def _run(args, cwd: Path):
    res = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=True)
    text = res.output + (res.stderr if hasattr(res, "stderr") else "")
    assert res.exit_code != 3 and "Traceback" not in text and "程序内部错误" not in text, (args, text, res.exception)
    assert res.exception is None or isinstance(res.exception, SystemExit), (args, res.exception)
    return res.exit_code, text


@pytest.fixture
def same_inputs(files):
    before = _hashes(files["dir"])
    yield
    after = {k: v for k, v in _hashes(files["dir"]).items() if k in before}
    assert after == before, "an input was modified"


def test_workbook_commands_on_broken_inputs(files, same_inputs, tmp_path):
    d = files["dir"]
    for name in files["bad"]:
        f = d / name
        for args in (["show", f], ["validate", f], ["validate", "--format", "json", f], ["report", f, "-o", tmp_path / "r.docx"]):
            code, text = _run(args, d)
            assert code == 2 and name in text and _han(text), (args, text)
            assert not (tmp_path / "r.docx").exists()
        code, text = _run(["consolidate", f], d)
        if name in ("不存在.xlsx", "文件夹.xlsx"):  # unusable argument / nothing to consolidate
            assert code == 2 and name in text and _han(text), text
        else:  # a run that lists the file as unreadable, with its reason
            assert code == 1 and name in text and "无法读取" in text, text


def test_document_commands_on_broken_inputs(files, same_inputs, tmp_path):
    d = files["dir"]
    for name in files["docs"]:
        f = d / name
        code, text = _run(["import", f, "-o", tmp_path / "导入.xlsx"], d)
        assert code == 2 and name in text and _han(text), text
        assert not (tmp_path / "导入.xlsx").exists()
        code, text = _run(["audit", f], d)
        assert code == 2 and name in text and _han(text), text
    code, text = _run(["import", d / "旧版.docx", "-o", tmp_path / "x.xlsx"], d)
    assert "旧版Office" in text and "另存为.docx" in text
    code, text = _run(["audit", d / "乱码.pdf", files["md"]], d)  # one bad among good ones: the run goes on
    assert code in (0, 1) and "乱码.pdf" in text and "无法读取" in text and "金乡县应急管理局" in text


def test_outputs_never_replace_inputs(files, same_inputs, tmp_path):
    d, good, md = files["dir"], files["good"], files["md"]
    for force in ([], ["--force"]):
        code, text = _run(["report", good, "-o", good, *force], d)
        assert code == 2 and "不能覆盖输入文件" in text
        code, text = _run(["import", md, "-o", md, *force], d)
        assert code == 2 and "不能覆盖输入文件" in text
    # consolidation: not a bureau's file inside the folder, not the roster, not last year's file
    inbox = tmp_path / "收件箱"
    inbox.mkdir()
    new_workbook(inbox / "教育局.xlsx", meta={**sample.SAMPLE_META, "organ": "示例县教育局"}, values=sample.sample_values())
    roster = tmp_path / "名单.csv"
    roster.write_text("机关名称\n示例县教育局\n", encoding="utf-8-sig")
    before = _hashes(tmp_path)
    code, text = _run(["consolidate", inbox, "-o", inbox / "教育局.xlsx", "--force"], d)
    assert code == 2 and "报送文件之一" in text
    code, text = _run(["consolidate", inbox / "教育局.xlsx", "-o", inbox / "教育局.xlsx", "--force"], d)
    assert code == 2 and "不能覆盖输入文件" in text
    code, text = _run(["consolidate", inbox, "--roster", roster, "-o", roster, "--force"], d)
    assert code == 2 and "不能覆盖输入文件" in text
    assert _hashes(tmp_path) == before
    # the previous consolidated output inside the folder may be replaced with --force
    out = inbox / "汇总.xlsx"
    assert _run(["consolidate", inbox, "-o", out], d)[0] in (0, 1) and out.exists()
    first = out.read_bytes()
    code, text = _run(["consolidate", inbox, "-o", out, "--force"], d)
    assert code in (0, 1) and out.read_bytes() != first and "汇总.xlsx" in text


def test_existing_outputs_need_force(files, same_inputs, tmp_path):
    d, good, md = files["dir"], files["good"], files["md"]
    keep = tmp_path / "已有.xlsx"
    cases = [["new", "--organ", "某局", "--year", "2024", "--level", "县级", "-o", keep],
             ["report", good, "-o", keep.with_suffix(".docx")],
             ["import", md, "-o", keep],
             ["consolidate", good, "-o", keep],
             ["addin", "build", "-o", keep.with_suffix(".xlam")]]
    for args in cases:
        out = Path(args[-1])
        out.write_bytes(b"keep me")
        code, text = _run(args, d)
        assert code == 2 and "--force" in text and out.name in text, (args, text)
        assert out.read_bytes() == b"keep me"
    code, text = _run(["addin", "build", "-o", d / "文件夹.xlsx"], d)
    assert code == 2 and _han(text)
    code, text = _run(["new", "--organ", "某局", "--year", "2024", "--level", "县级", "-o", d / "文件夹.xlsx"], d)
    assert code == 2 and "是一个文件夹" in text
    code, text = _run(["demo", "-o", good], d)
    assert code == 2 and "不是文件夹" in text


def test_real_processes_print_no_traceback(files, same_inputs, tmp_path):
    d = files["dir"]
    for args in (["show", d / "乱码.xlsx"], ["import", d / "网页.docx", "-o", tmp_path / "a.xlsx"],
                 ["consolidate", d / "截断.xlsx", d / "密码.xlsx"], ["report", files["good"], "-o", files["good"], "--force"]):
        r = run_gxxl(*args)
        assert r.returncode in (1, 2), (args, r.stderr)
        assert "Traceback" not in r.stderr + r.stdout and _han(r.stderr + r.stdout)
