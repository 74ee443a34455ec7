"""The shape of a regular expression, read from its source: what the speed prefilters reason about.

`read(source)` returns a small tree (characters, zero-width items, sequences, alternatives,
repeats, groups with their own flags) of a pattern written in the `re` syntax, or None for syntax it
does not interpret (a back-reference, a conditional group, a comment, a verbose pattern). It does
not check the pattern: it is only used on patterns `re` has already compiled. The prefilters built
on it (`classify.needles`, the tokenizer's precheck in `classify.gazetteer`) only have to be sound,
so they treat None as "nothing known" and run the pattern itself.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class Char:
    """One character: `char` when it is one literal character, else "" (a class, `.`, `\\d`…);
    `src` is its source text (valid on its own, with the pattern's flags)."""

    src: str
    char: str = ""


@dataclass(frozen=True)
class Empty:
    """A zero-width item: an anchor (`anchor` is "start" for ^ and \\A, "end" for $ and \\Z, ""
    otherwise), a word boundary, a look-around, global flags."""

    anchor: str = ""


@dataclass(frozen=True)
class Seq:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Alt:
    branches: tuple[Node, ...]


@dataclass(frozen=True)
class Repeat:
    least: int
    item: Node


@dataclass(frozen=True)
class Group:
    """A group; `flags` holds its own flags ('i', '-i'…) when it sets any."""

    inner: Node
    flags: str = ""


Node = Char | Empty | Seq | Alt | Repeat | Group


class _Unknown(Exception):
    pass


_CLASS = re.compile(r"\[\^?\]?(?:\\.|[^\]\\])*\]", re.DOTALL)
_QUANTIFIER = re.compile(r"(?:[*+?]|\{(\d*)(,\d*)?\})[?+]?")
_FLAGS_GROUP = re.compile(r"\(\?([aiLmsux]*)(?:-([imsx]+))?([:)])")
_NAMED = re.compile(r"\(\?P<\w+>")
_CODE_ESCAPE = re.compile(r"\\(?:x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|N\{[^}]+\})")
_CONTROL = {"n": "\n", "t": "\t", "r": "\r", "f": "\f", "v": "\v", "a": "\a"}


def read(source: str) -> Node | None:
    """The tree of `source` (a pattern `re` compiles), or None when some syntax is not read here."""
    try:
        return _Reader(source).parse()
    except _Unknown:
        return None


class _Reader:
    def __init__(self, source: str) -> None:
        self.s = source
        self.pos = 0

    def parse(self) -> Node:
        node = self.alternation()
        if self.pos != len(self.s):
            raise _Unknown
        return node

    def alternation(self) -> Node:
        branches = [self.sequence()]
        while self.s.startswith("|", self.pos):
            self.pos += 1
            branches.append(self.sequence())
        return branches[0] if len(branches) == 1 else Alt(tuple(branches))

    def sequence(self) -> Node:
        items: list[Node] = []
        while self.pos < len(self.s) and self.s[self.pos] not in "|)":
            item = self.atom()
            q = _QUANTIFIER.match(self.s, self.pos)
            if q and not q.group(0).startswith("{}"):  # '{}' is two literal characters
                self.pos = q.end()
                kind = q.group(0)[0]
                least = 1 if kind == "+" else int(q.group(1) or 0) if kind == "{" else 0
                item = Repeat(least, item)
            items.append(item)
        return Seq(tuple(items))

    def group(self, start: int, flags: str = "") -> Node:
        self.pos = start
        inner = self.alternation()
        if not self.s.startswith(")", self.pos):
            raise _Unknown
        self.pos += 1
        return Group(inner, flags)

    def atom(self) -> Node:
        s, pos = self.s, self.pos
        c = s[pos]
        if c == "(":
            return self.open_group()
        if c == "[":
            m = _CLASS.match(s, pos)
            if not m:
                raise _Unknown
            self.pos = m.end()
            return Char(m.group(0))
        if c == "\\":
            return self.escape()
        self.pos = pos + 1
        if c in "^$":
            return Empty("start" if c == "^" else "end")
        if c == ".":
            return Char(".")
        if c in "*+?":
            raise _Unknown
        return Char(re.escape(c), c)

    def open_group(self) -> Node:
        s, pos = self.s, self.pos
        if not s.startswith("(?", pos):
            return self.group(pos + 1)
        if s.startswith(("(?:", "(?>"), pos):
            return self.group(pos + 3)
        if s.startswith(("(?=", "(?!"), pos):
            self.group(pos + 3)
            return Empty()
        if s.startswith(("(?<=", "(?<!"), pos):
            self.group(pos + 4)
            return Empty()
        named = _NAMED.match(s, pos)
        if named:
            return self.group(named.end())
        flags = _FLAGS_GROUP.match(s, pos)
        if flags and "x" not in flags.group(1) + (flags.group(2) or ""):
            if flags.group(3) == ")":  # global flags: already in the compiled pattern's flags
                self.pos = flags.end()
                return Empty()
            return self.group(flags.end(), flags.group(1) + "-" + (flags.group(2) or ""))
        raise _Unknown  # (?P=name), (?(cond)…), (?#…), verbose flags

    def escape(self) -> Node:
        s, pos = self.s, self.pos
        if pos + 1 >= len(s):
            raise _Unknown
        e = s[pos + 1]
        coded = _CODE_ESCAPE.match(s, pos)
        if coded:
            self.pos = coded.end()
            return Char(coded.group(0), _decode(coded.group(0)))
        self.pos = pos + 2
        if e in "bB":
            return Empty()
        if e in "AZ":
            return Empty("start" if e == "A" else "end")
        if e in "dDsSwW":
            return Char(s[pos : pos + 2])
        if e in _CONTROL:
            return Char(s[pos : pos + 2], _CONTROL[e])
        if e.isalnum():  # a back-reference, an octal escape
            raise _Unknown
        return Char(s[pos : pos + 2], e)


def _decode(escape: str) -> str:
    """The character a \\x.., \\u...., \\U........ or \\N{name} escape stands for."""
    if escape[1] == "N":
        return unicodedata.lookup(escape[3:-1])
    return chr(int(escape[2:], 16))
