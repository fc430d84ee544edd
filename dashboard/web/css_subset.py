"""The rules of a stylesheet that can apply to a given page: the embed view's stylesheet.

The page's stylesheet (Bootstrap, the DSFR parts, ours: 472 KB) is mostly rules for components the
embed view does not have; the browser parses all of it before the first paint. :func:`subset` keeps
a rule when one of its selectors can match, knowing the classes and ids the page can have
(:class:`Used`); element names, attributes and pseudo-classes are taken as able to match. At-rules
are kept (``@media``/``@supports``/``@layer`` blocks with the rules they keep, others whole), and the
order of what is kept is the original order: the cascade is unchanged for the page.

Limits, on purpose: a class or id named inside a functional pseudo-class (``:not(.x)``, ``:is(…)``,
``:has(…)``) is not required; a selector list is kept whole when one of its selectors can match (a
list with a selector the browser rejects is rejected whole: trimming it would revive it).
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass

#: At-rules whose block holds rules (filtered); any other at-rule is kept as it is.
_NESTING_AT_RULES = ("@media", "@supports", "@layer", "@container", "@document")
_NAME = r"(?:\\[0-9a-fA-F]{1,6}\s?|\\[^\n0-9a-fA-F]|[\w-]|[^\x00-\x7f])+"
_CLASS_OR_ID = re.compile(r"([.#])(" + _NAME + ")")
_ESCAPE = re.compile(r"\\([0-9a-fA-F]{1,6}\s?|[^\n0-9a-fA-F])")
_TOKEN = re.compile(r"-?[A-Za-z_][\w-]*")
_CLASS_ATTR = re.compile(r"""\sclass=(?:"([^"]*)"|'([^']*)')""")
_ID_ATTR = re.compile(r"""\sid=(?:"([^"]*)"|'([^']*)')""")
_STRING = re.compile(r"""'(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*"|`(?:\\.|[^`\\])*`""")


@dataclass(frozen=True)
class Used:
    """Classes and ids a page can have (any element name or attribute is taken as present); a class
    beginning with one of ``prefixes`` too (a script's ``'lieu-' + rank``)."""

    classes: frozenset[str]
    ids: frozenset[str]
    prefixes: tuple[str, ...] = ()

    def __or__(self, other: "Used") -> "Used":
        return Used(classes=self.classes | other.classes, ids=self.ids | other.ids,
                    prefixes=tuple(sorted(set(self.prefixes) | set(other.prefixes))))

    def has_class(self, name: str) -> bool:
        return name in self.classes or name.startswith(self.prefixes)

    @classmethod
    def of_html(cls, html: str) -> "Used":
        """The classes and ids written in an HTML text."""
        classes = {c for m in _CLASS_ATTR.finditer(html) for c in (m.group(1) or m.group(2) or "").split()}
        ids = {(m.group(1) or m.group(2) or "").strip() for m in _ID_ATTR.finditer(html)}
        return cls(classes=frozenset(classes), ids=frozenset(ids - {""}))

    @classmethod
    def of_script(cls, source: str) -> "Used":
        """Every name-like word of the string literals of a script (the classes and ids it may set);
        a word ending in ``-`` is a prefix (the start of a name the script completes)."""
        words = frozenset(w for s in _STRING.findall(source) for w in _TOKEN.findall(s[1:-1]))
        return cls(classes=words, ids=words, prefixes=tuple(sorted(w for w in words if w.endswith("-") and len(w) > 2)))


def _unescape(name: str) -> str:
    def one(m):
        body = m.group(1)
        if re.fullmatch(r"[0-9a-fA-F]{1,6}\s?", body):
            return chr(int(body.strip(), 16))
        return body
    return _ESCAPE.sub(one, name)


def _string_end(text: str, i: int, newline_ends: bool = False) -> int:
    """Index just past the string that opens at ``text[i]`` (its escapes skipped); a stylesheet's
    string also ends at a line break (``newline_ends``: the browser's recovery)."""
    quote, end, n = text[i], i + 1, len(text)
    while end < n and text[end] != quote and not (newline_ends and text[end] == "\n"):
        end += 2 if text[end] == "\\" else 1
    return end + 1


def _tokens(text: str):
    """``(index, token, depth)`` for each character of ``text`` outside strings (skipped whole), an
    escape (``\\x``) as one token; ``depth``: how many ``(``/``[`` enclose it, a bracket counted as
    inside itself."""
    depth, i, n = 0, 0, len(text)
    while i < n:
        c = text[i]
        if c == "\\":
            yield i, text[i:i + 2], depth
            i += 2
            continue
        if c in "\"'":
            i = _string_end(text, i)
            continue
        if c in "([":
            depth += 1
            yield i, c, depth
        elif c in ")]":
            yield i, c, depth
            depth = max(depth - 1, 0)
        else:
            yield i, c, depth
        i += 1


def _outside_brackets(selector: str) -> str:
    """The selector without what is inside ``(…)``, ``[…]`` and strings (not required to match)."""
    return "".join(token for _, token, depth in _tokens(selector) if depth == 0)


def split_top(text: str, sep: str = ",") -> list[str]:
    """``text`` split at ``sep`` outside brackets and strings."""
    cuts = [i for i, token, depth in _tokens(text) if token == sep and depth == 0]
    return [text[a + 1:b] for a, b in zip([-1, *cuts], [*cuts, len(text)])]


def can_match(selector: str, used: Used) -> bool:
    """Whether ``selector`` can match an element of a page with ``used`` classes and ids."""
    for kind, name in _CLASS_OR_ID.findall(_outside_brackets(selector)):
        name = _unescape(name)
        if not (used.has_class(name) if kind == "." else name in used.ids):
            return False
    return True


_SPECIAL = re.compile(r"""/\*|[{};"'\\]""")


def _blocks(css: str):
    """Top-level items of ``css``: ``(prelude, body)`` for a rule or a block at-rule, ``(statement,
    None)`` for an at-rule statement (``@charset …;``); comments and strings skipped whole (a brace in
    them is not one)."""
    depth, start, prelude_end, i = 0, 0, None, 0
    while True:
        m = _SPECIAL.search(css, i)
        if m is None:
            return
        c, i = m.group(), m.start()
        if c == "/*":
            end = css.find("*/", i + 2)
            i = len(css) if end < 0 else end + 2
            continue
        if c == "\\":
            i += 2
            continue
        if c in "\"'":
            i = _string_end(css, i, newline_ends=True)
            continue
        if c == "{":
            if depth == 0:
                prelude_end = i
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0 and prelude_end is not None:
                yield css[start:prelude_end].strip(), css[prelude_end + 1:i]
                start, prelude_end = i + 1, None
            depth = max(depth, 0)
        elif depth == 0:  # ";"
            statement = _strip_comments(css[start:i + 1]).strip()
            if statement.startswith("@"):
                yield statement, None
            start = i + 1
        i += 1


def _strip_comments(text: str) -> str:
    return re.sub(r"/\*.*?\*/", "", text, flags=re.S)


@functools.lru_cache(maxsize=8)
def subset(css: str, used: Used) -> str:
    """The rules of ``css`` that can apply to a page of ``used`` classes and ids, in their order
    (memoised: the same stylesheet for every app a process builds)."""
    out = []
    for prelude, body in _blocks(css):
        if body is None:
            out.append(prelude)
            continue
        prelude = _strip_comments(prelude).strip()
        if prelude.startswith("@"):
            if prelude.lower().startswith(_NESTING_AT_RULES):
                inner = subset(body, used)
                if inner:
                    out.append(f"{prelude}{{{inner}}}")
            else:
                out.append(f"{prelude}{{{body}}}")
        elif any(can_match(s, used) for s in split_top(prelude)):
            out.append(f"{prelude}{{{body}}}")
    return "\n".join(out)
