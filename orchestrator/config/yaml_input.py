"""Reading a YAML config with bounded work: size, depth and alias expansion are limited first.

Validation walks the loaded data, and so does everything after it (hashing, dumping); PyYAML
shares an aliased node, but every walk pays for its full expansion, so nine aliases nested
seven deep cost seconds and gigabytes before any field is looked at. Here the limits are
checked while the document is *composed*, before any Python object is built:

- the file must be a regular file (a FIFO would block, ``/dev/zero`` never end:
  ``orchestrator.config.files``), read up to ``MAX_BYTES`` (1 MiB) and refused past it;
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
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, Node, ScalarNode
from yaml.resolver import Resolver

from orchestrator.config.errors import ConfigError
from orchestrator.config.files import InputFileError, read_regular

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


class _BoundedLoader(_Reader):
    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.expanded: dict[int, int] = {}  # id(node) -> expanded size, once composed
        self.total = 0
        self.depth = 0

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
        if len(re.sub(r"[^0-9a-fA-F]", "", str(node.value))) > MAX_INT_DIGITS:
            raise _Refused(f"integer longer than {MAX_INT_DIGITS} digits", node)
        if _OCTAL_12.match(str(node.value)):
            return int(node.value[2:], 8)
        return super().construct_yaml_int(node)


_BoundedLoader.add_constructor(_INT, _BoundedLoader.construct_yaml_int)
_yaml_12_numbers(_BoundedLoader)


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
