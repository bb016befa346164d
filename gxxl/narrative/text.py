"""Narrative text: where it comes from (正文 cells, a .md or .docx file) and its placeholders.

Text is rendered with a sandboxed jinja2 environment and StrictUndefined. Every
placeholder is checked against the known codes and aliases before rendering, so
an unknown one is an error naming it and where it is.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import schema
from ..errors import GxxlError, ReadError
from ..model import AnnualReport
from . import placeholders as ph
from ..model import plain_number

KEYS = tuple(f.key for f in schema.NARRATIVE_FIELDS)  # preface, overview, problems, other
PART_KEY = {f.part: f.key for f in schema.NARRATIVE_FIELDS if f.part}  # 一 -> overview …
BLANK_TEXT = "【未填】"
MODEL_MARK = re.compile(r"【请[^】]*】")


class NarrativeError(GxxlError):
    """A placeholder or the narrative file cannot be used (exit code 2)."""


@dataclass
class Section:
    key: str  # preface | overview | problems | other
    text: str
    where: str  # Chinese: 工作表“正文”单元格B4 / 文件“x.md”
    first_line: int = 1  # line (or paragraph) number of the text's first line in its source
    unit: str = "行"  # 行 | 段

    def at(self, lineno: int | None) -> str:
        if not lineno:
            return self.where
        return f"{self.where}第{self.first_line + lineno - 1}{self.unit}"


@dataclass
class RenderedNarrative:
    texts: dict[str, str]  # key -> rendered text
    blanks: list[tuple[str, str]] = field(default_factory=list)  # (where, placeholder) whose data is not filled
    model_marks: list[tuple[str, str]] = field(default_factory=list)  # (where, 【请…】 left from the model text)
    source: str = "workbook"

    def paragraphs(self, key: str) -> list[str]:
        return split_paragraphs(self.texts.get(key, ""))


def split_paragraphs(text: str) -> list[str]:
    return [p.strip().strip("\u3000").strip() for p in (text or "").splitlines() if p.strip().strip("\u3000").strip()]


_LEAD = re.compile(r"^(（[一二三四五六七八九十]+）)")


def lead_in(paragraph: str) -> tuple[str, str]:
    """Split a level-2 lead ("（一）主动公开情况。") from the rest of a paragraph.

    Returns (lead, rest); lead is "" when the paragraph does not start with （一）…;
    a short paragraph without a full stop is all lead (a heading on its own).
    """
    if not _LEAD.match(paragraph):
        return "", paragraph
    m = re.search(r"[。：:]", paragraph)
    if m and m.end() <= 40:
        return paragraph[: m.end()], paragraph[m.end():]
    if not m and len(paragraph) <= 40:
        return paragraph, ""
    return "", paragraph


# --------------------------------------------------------------------------- sources


def from_report(rep: AnnualReport) -> list[Section]:
    loc = schema.layout()
    out = []
    for f in schema.NARRATIVE_FIELDS:
        l = loc[f.code]
        out.append(Section(f.key, rep.narrative.get(f.key) or "", f"工作表“{l.sheet}”单元格{l.cell}（{f.label}）"))
    return out


_HEADING = re.compile(r"^([一二三四五六])、\s*(\S.{0,40})$")


def _heading(line: str) -> str | None:
    s = line.strip().lstrip("#").strip().replace(" ", "").replace("\u3000", "")
    s = re.sub(r"^\*\*(.*)\*\*$", r"\1", s)
    m = _HEADING.match(s)
    if not m or s.endswith(("。", "；", "，")):
        return None
    return m.group(1)


def _is_title(line: str) -> bool:
    s = line.strip().lstrip("#").strip()
    return len(s) <= 80 and s.endswith("年度报告") and "。" not in s


def sections_from_lines(lines: list[str], where: str, unit: str = "行") -> list[Section]:
    """Split a whole report's text into the four narrative sections by its 一、…六、 headings."""
    order = [p for p, _ in schema.PARTS]
    buf: dict[str, list[tuple[int, str]]] = {k: [] for k in KEYS}
    current = "preface"
    seen: list[str] = []
    started = False
    for i, line in enumerate(lines, start=1):
        if not line.strip():
            if started and current in buf:
                buf[current].append((i, ""))
            continue
        part = _heading(line)
        if part is not None:
            if part in seen:
                raise NarrativeError(f"{where}第{i}{unit}：标题“{line.strip()}”重复出现")
            if seen and order.index(part) < order.index(seen[-1]):
                raise NarrativeError(f"{where}第{i}{unit}：标题“{line.strip()}”顺序不对，六部分应按一至六的顺序排列")
            seen.append(part)
            current = PART_KEY.get(part, f"table:{part}")
            started = True
            continue
        if not started and not any(buf["preface"]) and _is_title(line):
            started = True
            continue  # the report title: gxxl writes its own from the cover
        started = True
        if current.startswith("table:"):
            part = current.split(":")[1]
            heading = dict(schema.PARTS)[part]
            raise NarrativeError(f"{where}第{i}{unit}：“{heading}”部分是表格，由工作簿数据自动生成，"
                                 f"此处不能写文字（“{line.strip()[:20]}”）。请删除这段文字或移到其他部分。")
        buf[current].append((i, line.rstrip()))
    if not seen:
        raise NarrativeError(f"{where}：没有找到“一、总体情况”“五、存在的主要问题及改进情况”“六、其他需要报告的事项”等标题，"
                             "无法分出正文各部分。每个标题单独占一行。")
    out = []
    for k in KEYS:
        items = buf[k]
        while items and not items[0][1]:
            items.pop(0)
        text = "\n".join(t for _, t in items).strip("\n")
        out.append(Section(k, text, where, items[0][0] if items else 1, unit))
    return out


def from_file(path) -> list[Section]:
    p = Path(path)
    if not p.exists():
        raise ReadError(p, "文件不存在")
    suffix = p.suffix.lower()
    if suffix == ".docx":
        try:
            import docx

            doc = docx.Document(str(p))
        except Exception as exc:  # python-docx raises several types for broken files
            raise ReadError(p, f"无法作为Word文档（.docx）打开（{type(exc).__name__}）",
                            hint="请用Word或WPS打开后另存为.docx") from None
        lines = [para.text for para in doc.paragraphs]
        return sections_from_lines(lines, f"文件“{p}”", "段")
    if suffix in (".md", ".markdown", ".txt"):
        from ..util.fileio import decode_text

        text = decode_text(p.read_bytes())
        if text is None:
            raise ReadError(p, "无法识别文字编码，请另存为UTF-8编码")
        return sections_from_lines(text.splitlines(), f"文件“{p}”", "行")
    raise ReadError(p, "正文文件只能是 .docx 或 .md（Markdown）")


# --------------------------------------------------------------------------- rendering


class Blank:
    """A data point not filled in: prints as 【未填】, absorbs arithmetic (drafts only)."""

    def __str__(self) -> str:
        return BLANK_TEXT

    def _same(self, *_a):
        return self

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __truediv__ = __rtruediv__ = _same

    def __bool__(self) -> bool:
        return False


BLANK = Blank()


class Node:
    """One level of the code tree: ``requests.new.total`` walks Node -> Node -> value."""

    __slots__ = ("_path", "_children")

    def __init__(self, path: str, children: dict[str, Any]):
        self._path = path
        self._children = children

    def __getattr__(self, name: str):
        try:
            return self._children[name]
        except KeyError:
            raise AttributeError(name) from None

    def __getitem__(self, name: str):
        return self._children[name]

    def __str__(self) -> str:
        raise NarrativeError(f"占位符“{{{{ {self._path} }}}}”不完整，请写到具体的数据项")


def _value(rep: AnnualReport, code: str) -> Any:
    if code.startswith("meta."):
        v = rep.meta.get(code[5:])
        if v in (None, ""):
            return BLANK
        return int(v) if isinstance(v, float) and v.is_integer() else v
    v = rep.get(code)
    return BLANK if v is None else v


def _total(*xs):
    if any(isinstance(x, Blank) for x in xs):
        return BLANK
    s = sum(xs)
    return round(s, 6) if isinstance(s, float) else s


def _pct(part, whole, digits: int = 1):
    if isinstance(part, Blank) or isinstance(whole, Blank):
        return BLANK
    if not whole:
        return "—"
    return f"{part * 100 / whole:.{int(digits)}f}%"


def context(rep: AnnualReport) -> dict[str, Any]:
    def build(path: str, tree: dict) -> Node:
        kids = {}
        for k, v in tree.items():
            kids[k] = build(f"{path}.{k}", v) if isinstance(v, dict) else _value(rep, v)
        return Node(path, kids)

    ctx: dict[str, Any] = {root: build(root, sub) for root, sub in ph.code_tree().items()}
    for a in ph.aliases().values():
        ctx[a.name] = _total(*[_value(rep, c) for c in a.codes]) if len(a.codes) > 1 else _value(rep, a.codes[0])
    ctx.update({"total": _total, "合计": _total, "pct": _pct, "百分比": _pct})
    return ctx


def _finalize(v: Any) -> Any:
    if v is None:
        return BLANK_TEXT
    if isinstance(v, Node):
        return str(v)  # raises: incomplete code
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return plain_number(v)
    return v


_env = None


def env():
    global _env
    if _env is None:
        from jinja2 import StrictUndefined
        from jinja2.sandbox import SandboxedEnvironment

        _env = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False, finalize=_finalize,
                                    keep_trailing_newline=True)
    return _env


_TAG = re.compile(r"(\{\{.*?\}\}|\{%.*?%\})", re.S)
_FW = {"（": "(", "）": ")", "，": ",", "　": " ", "．": ".", "“": '"', "”": '"', "‘": "'", "’": "'", "＋": "+",
       "－": "-", "＊": "*", "／": "/", "＝": "="}


def normalize(text: str) -> str:
    """Clerks type with a Chinese IME: accept ｛｛ 本年新收 ｝｝ and pct（a，b） inside tags."""
    t = text.replace("｛", "{").replace("｝", "}").replace("｛％", "{%").replace("％｝", "%}")
    t = t.replace("{％", "{%").replace("％}", "%}")
    return _TAG.sub(lambda m: "".join(_FW.get(ch, ch) for ch in m.group(0)), t)


def _suggest(name: str) -> str:
    pool = list(ph.aliases()) + list(ph.all_codes())
    close = difflib.get_close_matches(name, pool, n=3, cutoff=0.5)
    return f"，是否想写：{'、'.join('{{ ' + c + ' }}' for c in close)}" if close else ""


def _check(ast, sec: Section, known: set[str]) -> list[tuple[str, int]]:
    """Raise NarrativeError for unknown names or codes; return the referenced names/codes with line numbers."""
    from jinja2 import meta, nodes

    for name in sorted(meta.find_undeclared_variables(ast)):
        if name not in known:
            line = next((n.lineno for n in ast.find_all(nodes.Name) if n.name == name), None)
            raise NarrativeError(f"{sec.at(line)}：未知的占位符“{{{{ {name} }}}}”{_suggest(name)}。"
                                 "可用的占位符见 gxxl report --placeholders")
    codes = set(ph.all_codes())
    used: list[tuple[str, int]] = []

    def chain(n) -> str | None:
        parts = []
        while isinstance(n, (nodes.Getattr, nodes.Getitem)):
            if isinstance(n, nodes.Getattr):
                parts.append(n.attr)
            elif isinstance(n.arg, nodes.Const) and isinstance(n.arg.value, str):
                parts.append(n.arg.value)
            else:
                return None
            n = n.node
        if isinstance(n, nodes.Name) and n.name in ph.ROOTS:
            return ".".join([n.name] + parts[::-1])
        return None

    def walk(n, inside_chain: bool) -> None:
        is_chain = isinstance(n, (nodes.Getattr, nodes.Getitem))
        if is_chain and not inside_chain:
            path = chain(n)
            if path is not None:
                if path not in codes:
                    prefix = any(c.startswith(path + ".") for c in codes)
                    why = "不完整，请写到具体的数据项（如 requests.new.total）" if prefix else "不是已知的数据项代码"
                    raise NarrativeError(f"{sec.at(n.lineno)}：占位符“{{{{ {path} }}}}”{why}{_suggest(path)}。"
                                         "可用的代码见 gxxl schema，别名见 gxxl report --placeholders")
                used.append((path, n.lineno))
        elif isinstance(n, nodes.Name) and n.name in ph.ROOTS and not inside_chain:
            raise NarrativeError(f"{sec.at(n.lineno)}：占位符“{{{{ {n.name} }}}}”不完整，请写到具体的数据项（如 requests.new.total）")
        elif isinstance(n, nodes.Name) and n.name in ph.aliases():
            used.append((n.name, n.lineno))
        for child in n.iter_child_nodes():
            walk(child, is_chain and isinstance(child, (nodes.Getattr, nodes.Getitem, nodes.Name)) and child is n.node)

    walk(ast, False)
    return used


def _is_blank(rep: AnnualReport, name: str) -> bool:
    a = ph.aliases().get(name)
    codes = a.codes if a else (name,)
    return any(isinstance(_value(rep, c), Blank) for c in codes)


def render_section(sec: Section, rep: AnnualReport, ctx: dict | None = None) -> tuple[str, list[tuple[str, str]]]:
    from jinja2 import TemplateSyntaxError, UndefinedError
    from jinja2.exceptions import SecurityError

    text = normalize(sec.text or "")
    if "{" not in text:
        return text, []
    ctx = ctx if ctx is not None else context(rep)
    e = env()
    try:
        ast = e.parse(text)
    except TemplateSyntaxError as exc:
        raise NarrativeError(f"{sec.at(exc.lineno)}：占位符写法有误（{exc.message}）。"
                             "占位符应写成 {{ 本年新收 }} 这样，两边各两个英文花括号。") from None
    used = _check(ast, sec, set(ctx))
    try:
        out = e.from_string(ast).render(ctx)
    except NarrativeError:
        raise
    except (UndefinedError, SecurityError, TypeError, ValueError, ZeroDivisionError, AttributeError) as exc:
        raise NarrativeError(f"{sec.where}：占位符无法计算（{exc}）") from None
    blanks = []
    for name, line in used:
        if _is_blank(rep, name):
            blanks.append((sec.at(line), name))
    return out, blanks


def render(sections: list[Section], rep: AnnualReport, source: str = "workbook") -> RenderedNarrative:
    ctx = context(rep)
    texts: dict[str, str] = {}
    result = RenderedNarrative(texts, source=source)
    for sec in sections:
        out, blanks = render_section(sec, rep, ctx)
        texts[sec.key] = out
        result.blanks.extend(blanks)
        for m in MODEL_MARK.finditer(out):
            line = out.count("\n", 0, m.start()) + 1
            result.model_marks.append((sec.at(line), m.group(0)))
    return result


def load(rep: AnnualReport, narrative_file=None) -> RenderedNarrative:
    """The report's narrative rendered: from ``narrative_file`` when given, else the workbook's 正文 cells."""
    if narrative_file is not None:
        return render(from_file(narrative_file), rep, source=str(narrative_file))
    return render(from_report(rep), rep)
