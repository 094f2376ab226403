"""Reading a YAML config with bounded work: size, depth and alias expansion are limited first.

Validation walks the loaded data, and so does everything after it (hashing, dumping); PyYAML
shares an aliased node, but every walk pays for its full expansion, so nine aliases nested
seven deep cost seconds and gigabytes before any field is looked at. Here the limits are
checked while the document is *composed*, before any Python object is built:

- the file must be a regular file (a FIFO would block, ``/dev/zero`` never end:
  ``orchestrator.contract.files``), read up to ``MAX_BYTES`` (1 MiB) and refused past it;
- each node's expanded size (itself plus the expanded sizes of its children, an alias counting
  as the whole node it names) is added up as the node is composed; past ``MAX_NODES`` the
  document is refused at the alias or node that crossed it. So the work of every later walk is
  at most ``MAX_NODES`` nodes, whatever the aliases;
- nesting deeper than ``MAX_DEPTH`` is refused (PyYAML composes recursively);
- an alias to a node that is still being composed (a recursive document) is refused;
- a mapping that names one key twice is refused (PyYAML keeps the last one silently); keys a
  merge (``<<: *base``) brings in may be overridden, as YAML intends;
- an integer literal longer than ``MAX_INT_DIGITS`` digits is refused (Python would raise
  ``ValueError`` at 4300 digits; no config number needs more than 2^53).

Every refusal is a ``ConfigError`` line ``file:line:column: what`` .

Numbers follow YAML 1.1 (what PyYAML reads: ``1_000``, ``0x1F``, ``017`` octal, ``1:30``
sexagesimal, ``.inf``) **plus YAML 1.2's exponent forms**: ``1e10``, ``1E-5``, ``+2.5e3``,
``1.0e5`` are floats and ``0o17`` an integer here, where YAML 1.1 reads them as strings (which
then skipped every number bound; issue 27, F3). ``dump_yaml`` quotes a string that would read
back as such a number, so a config this project writes reads back the same.

The events come from libyaml (PyYAML's C parser) when PyYAML has it, composed and counted here
in Python: the pure-Python scanner was 80 % of reading a 45,000-edge config (design §13).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.events import (
    AliasEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)
from yaml.nodes import MappingNode, Node, ScalarNode
from yaml.resolver import Resolver

from orchestrator.config.errors import ConfigError
from orchestrator.contract.files import InputFileError, read_regular

__all__ = [
    "MAX_BYTES",
    "MAX_DEPTH",
    "MAX_NODES",
    "ParsedYaml",
    "dump_yaml",
    "parse_yaml",
    "read_text",
]

MAX_BYTES = 1 << 20
MAX_NODES = 200_000
MAX_DEPTH = 64
MAX_INT_DIGITS = 40

_MERGE = "tag:yaml.org,2002:merge"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
# YAML 1.2 core schema forms that YAML 1.1 reads as strings: an exponent without a dot or sign
_FLOAT_12 = re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$")
_OCTAL_12 = re.compile(r"^0o[0-7]+$")


def _yaml_12_numbers(cls: type) -> None:
    cls.add_implicit_resolver(_FLOAT, _FLOAT_12, list("-+0123456789."))
    cls.add_implicit_resolver(_INT, _OCTAL_12, ["0"])


try:  # libyaml's events, PyYAML's composer (counted below) and safe constructor
    from yaml._yaml import CParser as _CEvents

    class _Reader(Composer, SafeConstructor, Resolver, _CEvents):  # type: ignore[misc]
        def __init__(self, stream: str) -> None:
            _CEvents.__init__(self, stream)
            SafeConstructor.__init__(self)
            Resolver.__init__(self)
            Composer.__init__(self)

except ImportError:  # PyYAML built without libyaml: the same, parsed in Python
    _Reader = yaml.SafeLoader  # type: ignore[misc,assignment]
    _CEvents = None  # type: ignore[assignment,misc]


@dataclass(frozen=True)
class ParsedYaml:
    """The loaded data and the number of nodes it expands to (at most ``MAX_NODES``)."""

    data: Any
    nodes: int


class _Refused(yaml.YAMLError):
    def __init__(self, problem: str, node_or_mark: Any) -> None:
        super().__init__(problem)
        self.problem = problem
        self.problem_mark = getattr(node_or_mark, "start_mark", node_or_mark)


_MISSING = object()


class _BoundedLoader(_Reader):
    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.expanded: dict[int, int] = {}  # id(node) -> expanded size, once composed
        self.total = 0
        self.depth = 0
        self.tags: dict[tuple[str, tuple[bool, bool]], str] = {}  # plain scalar -> its tag
        self.scalars: dict[tuple[str, str], Any] = {}  # (tag, text) -> the immutable value

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        # a pure function of its arguments (no path resolvers): remembered for scalars, whose
        # texts repeat (vertex numbers, weights); it was the largest cost of a long edge list
        if kind is not ScalarNode:
            return super().resolve(kind, value, implicit)
        key = (value, implicit)
        tag = self.tags.get(key)
        if tag is None:
            tag = self.tags[key] = super().resolve(kind, value, implicit)
        return tag

    def construct_object(self, node: Node, deep: bool = False) -> Any:
        if type(node) is not ScalarNode:
            return super().construct_object(node, deep=deep)
        key = (node.tag, node.value)  # a safe scalar's value is immutable: shared
        value = self.scalars.get(key, _MISSING)
        if value is _MISSING:
            value = self.scalars[key] = super().construct_object(node, deep=deep)
        return value

    def _add(self, size: int, where: Any) -> None:
        self.total += size
        if self.total > MAX_NODES:
            raise _Refused(
                f"the document expands to more than {MAX_NODES} nodes (aliases count as the "
                "whole node they name): write it out or make it smaller",
                where,
            )

    def compose_node(self, parent: Node | None, index: Any) -> Node:
        if self.check_event(AliasEvent):
            mark = self.peek_event().start_mark
            node = super().compose_node(parent, index)
            size = self.expanded.get(id(node))
            if size is None:
                raise _Refused("recursive alias: it names a node that contains it", mark)
            self._add(size, mark)
            return node
        mark = self.peek_event().start_mark
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _Refused(f"nested more than {MAX_DEPTH} levels deep", mark)
        before = self.total
        node = super().compose_node(parent, index)
        self.depth -= 1
        self._add(1, mark)
        self.expanded[id(node)] = self.total - before
        return node

    def construct_mapping(self, node: Node, deep: bool = False) -> Any:
        if isinstance(node, MappingNode):
            seen: dict[Any, Node] = {}
            for key_node, _ in node.value:
                if key_node.tag == _MERGE:
                    continue
                key = self.construct_object(key_node, deep=True)
                try:
                    first = seen.setdefault(key, key_node)
                except TypeError:  # unhashable: the base class says so
                    continue
                if first is not key_node:
                    raise _Refused(
                        f"duplicate key {key!r} (first at line {first.start_mark.line + 1})",
                        key_node,
                    )
        return super().construct_mapping(node, deep=deep)

    def construct_yaml_int(self, node: ScalarNode) -> int:
        text = str(node.value)
        if len(text) > MAX_INT_DIGITS and len(re.sub(r"[^0-9a-fA-F]", "", text)) > MAX_INT_DIGITS:
            raise _Refused(f"integer longer than {MAX_INT_DIGITS} digits", node)
        if _OCTAL_12.match(str(node.value)):
            return int(node.value[2:], 8)
        return super().construct_yaml_int(node)


_BoundedLoader.add_constructor(_INT, _BoundedLoader.construct_yaml_int)
_yaml_12_numbers(_BoundedLoader)


class _Fallback(Exception):
    """The document uses what the one-pass reader leaves to the composer (merge keys, tags on
    collections, odd anchors, several documents, unhashable keys): read it the long way."""


_SEQ, _MAP = "tag:yaml.org,2002:seq", "tag:yaml.org,2002:map"
_SCALAR_KEYS_LEFT = (_MERGE, "tag:yaml.org,2002:value")  # flatten_mapping's business


def _one_pass(text: str) -> ParsedYaml:
    """The document built straight from libyaml's events, with the limits of ``_BoundedLoader``
    counted the same way while reading (same nodes, same marks, same messages). Scalars are
    resolved and constructed by a ``_BoundedLoader`` (so they are exactly what it would make);
    collections become lists and dicts here, which is all the composer and constructor do for
    a plain document, without a node object per scalar (most of the time of a 45,000-edge
    config went there). Raises ``_Fallback`` for what it leaves to them, and for any error the
    constructor would report (it reports them after the limits, in its own order)."""
    helper = _BoundedLoader("")
    events = _CEvents(text)
    anchors: dict[str, tuple[Any, int]] = {}  # name -> (value, expanded size), once complete
    opened: set[str] = set()
    # frame: [value, is_mapping, key or _MISSING, keys seen, start total, anchor, start event]
    stack: list[list[Any]] = []
    total, result, documents = 0, _MISSING, 0

    def add(size: int, where: Any) -> None:
        nonlocal total
        total += size
        if total > MAX_NODES:
            raise _Refused(
                f"the document expands to more than {MAX_NODES} nodes (aliases count as the "
                "whole node they name): write it out or make it smaller",
                where,
            )

    def place(value: Any, event: Any) -> None:
        nonlocal result
        if not stack:
            result = value
            return
        frame = stack[-1]
        if not frame[1]:
            frame[0].append(value)
        elif frame[2] is _MISSING:
            try:
                first = frame[3].get(value)
            except TypeError:  # an unhashable key: the constructor says so
                raise _Fallback from None
            if first is not None:
                raise _Fallback  # the constructor's "duplicate key", after every other check
            frame[3][value] = True
            frame[2] = value
        else:
            frame[0][frame[2]] = value
            frame[2] = _MISSING

    try:
        while True:
            event = events.get_event()
            kind = type(event)
            if kind is ScalarEvent or kind is SequenceStartEvent or kind is MappingStartEvent:
                anchor = event.anchor
                if anchor is not None and (anchor in anchors or anchor in opened):
                    raise _Fallback  # the composer's "duplicate anchor"
                if len(stack) + 1 > MAX_DEPTH:
                    raise _Refused(f"nested more than {MAX_DEPTH} levels deep", event.start_mark)
            if kind is ScalarEvent:
                tag = event.tag
                if tag is None or tag == "!":
                    tag = helper.resolve(ScalarNode, event.value, event.implicit)
                if stack and stack[-1][1] and stack[-1][2] is _MISSING and (
                    tag in _SCALAR_KEYS_LEFT
                ):
                    raise _Fallback
                value = helper.scalars.get((tag, event.value), _MISSING)
                if value is _MISSING:
                    node = ScalarNode(tag, event.value, event.start_mark, event.end_mark)
                    try:
                        value = helper.construct_object(node)
                    except yaml.YAMLError:
                        raise _Fallback from None  # the constructor reports it, in its order
                add(1, event.start_mark)
                if event.anchor is not None:
                    anchors[event.anchor] = (value, 1)
                place(value, event)
            elif kind is SequenceStartEvent or kind is MappingStartEvent:
                mapping = kind is MappingStartEvent
                if event.tag not in (None, "!", _MAP if mapping else _SEQ):
                    raise _Fallback  # !!set, !!omap, !!pairs, local tags
                if event.anchor is not None:
                    opened.add(event.anchor)
                value = {} if mapping else []
                stack.append([value, mapping, _MISSING, {}, total, event.anchor, event])
            elif kind is SequenceEndEvent or kind is MappingEndEvent:
                value, _, _, _, before, anchor, start = stack.pop()
                add(1, start.start_mark)
                if anchor is not None:
                    opened.discard(anchor)
                    anchors[anchor] = (value, total - before)
                place(value, start)
            elif kind is AliasEvent:
                if event.anchor in opened:
                    raise _Refused(
                        "recursive alias: it names a node that contains it", event.start_mark
                    )
                if event.anchor not in anchors:
                    raise _Fallback  # the composer's "undefined alias"
                value, size = anchors[event.anchor]
                add(size, event.start_mark)
                place(value, event)
            elif kind is DocumentStartEvent:
                documents += 1
                if documents > 1:
                    raise _Fallback  # the composer's "expected a single document"
                anchors.clear()
            elif kind is StreamEndEvent:
                break
    finally:
        events.dispose()
        helper.dispose()
    return ParsedYaml(None if result is _MISSING else result, total)


class _Dumper(yaml.SafeDumper):
    """PyYAML's safe dumper, quoting strings that ``parse_yaml`` reads as YAML 1.2 numbers."""


_yaml_12_numbers(_Dumper)


def dump_yaml(data: Any) -> str:
    """``data`` as YAML (block style, keys in order) that ``parse_yaml`` reads back equal."""
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False)


def read_text(path: Path) -> str:
    """The config file's text, read up to ``MAX_BYTES`` (a regular file only: a FIFO or a
    device is refused before it is read); ``ConfigError`` if larger or unreadable."""
    try:
        data = read_regular(path, MAX_BYTES, "config")
    except InputFileError as exc:
        raise ConfigError([f"{exc}"]) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError([f"{path}: cannot read (not UTF-8 text)"]) from None


def parse_yaml(text: str, source: str) -> ParsedYaml:
    """Load one YAML document with the limits above; ``ConfigError`` naming where it broke."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise ConfigError([f"{source}: larger than {MAX_BYTES} bytes; a config is a small file"])
    loader = None
    try:
        if _CEvents is not None:
            try:
                return _one_pass(text)
            except _Fallback:
                pass
        loader = _BoundedLoader(text)  # its reader refuses control characters already
        data = loader.get_single_data()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark else source
        if isinstance(exc, _Refused):
            raise ConfigError([f"{where}: {exc.problem}"]) from None
        problem = getattr(exc, "problem", None) or getattr(exc, "reason", None)
        problem = problem or str(exc).splitlines()[0]
        raise ConfigError([f"{where}: YAML syntax error: {problem}"]) from None
    except RecursionError:  # not reached with MAX_DEPTH; kept so nothing else escapes
        raise ConfigError([f"{source}: nested too deeply"]) from None
    finally:
        if loader is not None:
            loader.dispose()
    return ParsedYaml(data, loader.total)
