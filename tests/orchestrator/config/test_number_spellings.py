"""Issue 27 (F3, F8): every number field keeps its bounds however the number is written.

The models are walked for every ``int``/``float`` position (a field, an item of a list or
tuple, a mapping's key or value), in every registered backend's section and every optional
section. Numbers are written every way YAML allows: decimal, signed, exponent forms with and
without a dot or a sign (YAML 1.2 floats, strings to YAML 1.1), ``.inf``/``.nan``, hex, octal
(``017`` of 1.1, ``0o17`` of 1.2), binary, underscores, sexagesimal, quoted, booleans. Each
config either fails ``qnf validate`` with exit 2, one ``field: message`` line per problem, no
traceback and nothing written, or validates to a config whose every number is finite, within
the ledger's bounds (|int| <= 2^53 - 1, |float| <= 1e9) and never ``-0.0``.
"""

from __future__ import annotations

import copy
import math
import os
import re
import types
import typing
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel
from typer.testing import CliRunner

from orchestrator.cli import app
from orchestrator.config import ConfigError, validate_config
from orchestrator.config.root import run_config_model
from orchestrator.contract.bounds import MAX_FLOAT, MAX_INT
from tests.paths import ASSETS

runner = CliRunner()
TOKEN = "__NUMBER__"
SMALL: dict[str, Any] = yaml.safe_load((ASSETS / "small.yaml").read_text())

# A valid section for each member of a union and each optional section, so that a number
# written into one of its fields is the only thing that can be wrong with the document.
MEMBERS: dict[str, dict[str, Any]] = {
    "TfimConfig": {"kind": "tfim", "n_qubits": 3, "j": 1.0, "h": 0.8},
    "IsingConfig": {"kind": "ising", "edges": [[0, 1, 1.0], [1, 2, 0.5]], "fields": {0: 0.1}},
    "PauliConfig": {
        "kind": "pauli",
        "n_qubits": 3,
        "terms": [{"paulis": "ZZ", "qubits": [0, 1], "coeff": 1.0}],
    },
    "AerConfig": {"kind": "aer", "shots": 256},
    "IbmConfig": {"kind": "ibm", "device": "fake_sherbrooke"},
    "Brian2Config": SMALL["spiking"],
    "LavaConfig": {**SMALL["spiking"], "kind": "lava"},
    "QiskitConfig": {
        "kind": "qiskit",
        "shots": 256,
        "qiskit": {"backend": "qiskit_aer:AerSimulator"},
    },
    "PynnConfig": {**SMALL["spiking"], "kind": "pynn"},
}
SECTIONS: dict[str, Any] = {
    "learning": {"params": ["alpha"]},
    "maxcut": {},
    "federation": {
        "nodes": [{"id": "a", "public_key": "ab" * 32, "key_file": "a.key"}],
        "rounds_every_ticks": 2,
    },
}


def _models(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for a in typing.get_args(annotation) for m in _models(a)]


def _number_positions(annotation: Any) -> Iterator[tuple[Any, ...]]:
    """Positions of int/float inside a field's annotation: () the field itself, (0,) an item,
    ("key",)/("value",) of a mapping."""
    if annotation in (int, float):
        yield ()
        return
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        for member in args:
            yield from _number_positions(member)
    elif origin is list or (origin is tuple and len(args) == 2 and args[1] is ...):
        yield from ((0, *rest) for rest in _number_positions(args[0]))
    elif origin is tuple:
        for k, member in enumerate(args):
            yield from ((k, *rest) for rest in _number_positions(member))
    elif origin is dict:
        if args[0] in (int, float):
            yield ("key",)
        yield from (("value", *rest) for rest in _number_positions(args[1]))


def _slots(
    model: type[BaseModel], path: tuple[Any, ...], context: dict[str, str]
) -> Iterator[tuple[tuple[Any, ...], dict[str, str]]]:
    for name, field in model.model_fields.items():
        here = (*path, name)
        for position in _number_positions(field.annotation):
            yield (*here, *position), context
        for inner in _models(field.annotation):
            nested = dict(context)
            if inner.__name__ in MEMBERS:
                nested[here[0]] = inner.__name__
            list_like = typing.get_origin(field.annotation) is list or any(
                typing.get_origin(a) is list for a in typing.get_args(field.annotation)
            )
            yield from _slots(inner, (*here, 0) if list_like else here, nested)


SLOTS = sorted(
    {(path, tuple(sorted(ctx.items()))) for path, ctx in _slots(run_config_model(), (), {})},
    key=repr,
)
VALUE_SLOTS = [s for s in SLOTS if "key" not in s[0]]


def _document(path: tuple[Any, ...], context: tuple[tuple[str, str], ...]) -> dict[str, Any]:
    """A valid document for the slot's sections with ``TOKEN`` at ``path``."""
    doc = copy.deepcopy(SMALL)
    for section, member in context:
        doc[section] = copy.deepcopy(MEMBERS[member])
    if path[0] in SECTIONS:
        doc[path[0]] = copy.deepcopy(SECTIONS[path[0]])
    if path[0] == "maxcut":
        doc["hamiltonian"] = copy.deepcopy(MEMBERS["IsingConfig"])
    if path[:3] == ("spiking", "recurrent", "k"):  # p or k
        doc["spiking"] = {**doc["spiking"], "recurrent": {"weight_mv": 1.0}}
    return _put(doc, path)


def _put(node: Any, path: tuple[Any, ...]) -> Any:
    """``node`` with ``TOKEN`` at ``path`` (containers made or padded on the way)."""
    if not path:
        return TOKEN
    part, rest = path[0], path[1:]
    if part == "key":  # the mapping holds one entry whose key is the number
        return {TOKEN: 0.5}
    if part == "value":
        part = next(iter(node)) if isinstance(node, dict) and node else "x"
    if isinstance(part, int):
        items = list(node) if isinstance(node, list) else []
        items += [TOKEN] * (part + 1 - len(items))
        items[part] = _put(items[part], rest)
        return items
    mapping = dict(node) if isinstance(node, dict) else {}
    mapping[part] = _put(mapping.get(part), rest)
    return mapping


def _spellings_of_int(value: int) -> list[str]:
    forms = [str(value), f"'{value}'", f'"{value}"', f"{value}e0", f"{value}.0"]
    sign = "-" if value < 0 else ""
    magnitude = abs(value)
    forms += [f"{sign}0x{magnitude:x}", f"{sign}0b{magnitude:b}", f"+{magnitude}"]
    if value >= 0:
        forms += [f"0o{magnitude:o}", f"0{magnitude:o}" if magnitude else "0"]
        forms.append(f"{magnitude:_}")
        if 0 < magnitude < 10**6:
            forms.append(f"{magnitude // 60}:{magnitude % 60:02d}")
    return forms


def _spellings_of_float(value: float) -> list[str]:
    if math.isnan(value):
        return [".nan", ".NaN", "'nan'", "nan"]
    if math.isinf(value):
        sign = "-" if value < 0 else ""
        return [f"{sign}.inf", f"{sign}.Inf", f"'{sign}inf'", f"{sign}1e400", f"{sign}1E999"]
    mantissa, exponent = f"{value:e}".split("e")
    forms = [
        repr(value),
        f"{value:e}",
        f"{value:E}",
        f"{float(mantissa):g}e{int(exponent)}",  # no sign in the exponent, maybe no dot
        f"{mantissa}e{int(exponent):+d}",
        f"{value:.17g}",
        f"'{value!r}'",
        f'"{value:e}"',
    ]
    if abs(value) >= 1000:
        whole, _, frac = repr(value).partition(".")
        if whole.lstrip("-").isdigit():
            forms.append(f"{int(whole):_}.{frac or '0'}")
    return forms


EDGE_INTS = [0, 1, -1, 7, 2**31, MAX_INT, MAX_INT + 2, 10**20, -(2**60)]
EDGE_FLOATS = [0.0, -0.0, 1e-300, 5e-324, 0.5, -2.5, 1e9, -1e9, 1e10, 1e308, 1.7976931348623157e308]


@st.composite
def spelled_numbers(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["int", "float", "word"]))
    if kind == "word":
        return draw(st.sampled_from(["true", "false", "yes", "off", "null", "~", "'12abc'", "1e"]))
    if kind == "int":
        value = draw(st.sampled_from(EDGE_INTS) | st.integers(-(2**70), 2**70))
        return draw(st.sampled_from(_spellings_of_int(value)))
    special = st.sampled_from([math.inf, -math.inf, math.nan])
    value = draw(st.sampled_from(EDGE_FLOATS) | st.floats(allow_nan=False) | special)
    return draw(st.sampled_from(_spellings_of_float(value)))


def _walk_numbers(value: Any) -> Iterator[Any]:
    if isinstance(value, Mapping):
        for key, child in value.items():
            yield from _walk_numbers(key)
            yield from _walk_numbers(child)
    elif isinstance(value, list | tuple):
        for child in value:
            yield from _walk_numbers(child)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        yield value


# a field (``hamiltonian.edges[0][2]: ...``), or where the YAML reader stopped (``f.yaml:3:5:``)
LINE = re.compile(r"^(?:[A-Za-z_][\w.\[\]'() +-]*|\S+\.yaml:\d+:\d+): \S")  # a key may read 1e+16


def test_the_walk_finds_every_number_field() -> None:
    paths = {".".join(map(str, path)) for path, _ in SLOTS}
    assert len(SLOTS) >= 100
    for expected in (
        "run.seed",
        "pci.initial_phi",
        "hamiltonian.edges.0.2",
        "hamiltonian.fields.key",
        "quantum.max_qpu_seconds",
        "spiking.refractory_ms",
        "spiking.stdp.tau_pre_ms",
        "ace.alpha_bounds.1",
        "federation.nodes.0.resources.value",
    ):
        assert expected in paths, expected


@pytest.mark.parametrize(
    ("path", "context"), VALUE_SLOTS, ids=[".".join(map(str, p)) for p, _ in VALUE_SLOTS]
)
def test_an_exponent_without_a_dot_is_a_number_and_keeps_the_bound(
    path: tuple[Any, ...], context: tuple[tuple[str, str], ...]
) -> None:
    text = yaml.safe_dump(_document(path, context)).replace(TOKEN, "1e308")
    with pytest.raises(ConfigError) as info:
        load_config_text_here(text)
    assert any("1e+308" in line and line.startswith(path[0]) for line in info.value.problems), (
        info.value.problems
    )


def load_config_text_here(text: str) -> Any:
    from orchestrator.config.root import load_config_text

    return load_config_text(text, "spelled.yaml")


@pytest.mark.parametrize(
    ("path", "context"), VALUE_SLOTS, ids=[".".join(map(str, p)) for p, _ in VALUE_SLOTS]
)
def test_a_quoted_number_is_refused_naming_the_field(
    path: tuple[Any, ...], context: tuple[tuple[str, str], ...]
) -> None:
    text = yaml.safe_dump(_document(path, context)).replace(TOKEN, "'9007199254740993'")
    with pytest.raises(ConfigError) as info:
        load_config_text_here(text)
    assert any(
        line.startswith(path[0]) and "'9007199254740993'" in line for line in info.value.problems
    ), info.value.problems


def test_negative_zero_becomes_zero_in_every_float_field() -> None:
    accepted = 0
    for path, context in VALUE_SLOTS:
        text = yaml.safe_dump(_document(path, context)).replace(TOKEN, "-0.0")
        try:
            config = load_config_text_here(text)
        except ConfigError:
            continue  # 0 is out of this field's range
        accepted += 1
        numbers = list(_walk_numbers(config.model_dump()))
        assert all(math.copysign(1.0, x) > 0 for x in numbers if x == 0), path
    assert accepted >= 40


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(SLOTS), spelled_numbers())
def test_numbers_written_every_way_yaml_allows(
    slot: tuple[tuple[Any, ...], tuple[tuple[str, str], ...]], spelled: str
) -> None:
    path, context = slot
    text = yaml.safe_dump(_document(path, context)).replace(TOKEN, spelled)
    folder = Path(os.environ.get("TMPDIR", "/tmp")) / f"qnf-spell-{os.getpid()}"
    folder.mkdir(exist_ok=True)
    config_path = folder / "config.yaml"
    config_path.write_text(text)
    try:
        result = runner.invoke(app, ["validate", str(config_path)])
        assert sorted(os.listdir(folder)) == ["config.yaml"]  # nothing written
    finally:
        config_path.unlink()
        folder.rmdir()
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    if result.exit_code == 2:
        lines = result.stderr.strip().splitlines()
        assert lines and all(LINE.match(line) for line in lines), result.stderr
        return
    assert result.exit_code == 0, result.output
    config = validate_config(yaml.load(text, Loader=_Yaml12))
    for x in _walk_numbers(config.model_dump()):
        if isinstance(x, int):
            assert abs(x) <= MAX_INT, (path, spelled, x)
        else:
            assert math.isfinite(x) and abs(x) <= MAX_FLOAT, (path, spelled, x)
            assert x != 0 or math.copysign(1.0, x) > 0, (path, spelled)


class _Yaml12(yaml.SafeLoader):
    """An independent reader of the same numbers: PyYAML plus YAML 1.2's exponent floats."""


_Yaml12.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$"),
    list("-+0123456789."),
)
_Yaml12.add_implicit_resolver("tag:yaml.org,2002:int", re.compile(r"^0o[0-7]+$"), ["0"])
_Yaml12.add_constructor(
    "tag:yaml.org,2002:int",
    lambda loader, node: (
        int(node.value[2:], 8)
        if node.value.startswith("0o")
        else yaml.SafeLoader.construct_yaml_int(loader, node)
    ),
)


@pytest.mark.parametrize(
    ("key", "text", "line"),
    [
        ("spiking.tick_ms", "1e308", "spiking.tick_ms: must be at most 1e+09 in magnitude"),
        ("spiking.refractory_ms", "1e300", "spiking.refractory_ms: must be at most 1e+09"),
        ("pci.alpha", "1e308", "pci.alpha: must be at most 1e+09 in magnitude"),
        ("trotter.dt", "1E10", "trotter.dt: must be at most 1e+09 in magnitude"),
        ("spiking.dt_ms", "1e-400", "spiking.dt_ms: must be >= 0.001"),
        ("pci.gamma", "1e400", "pci.gamma: must be a finite number (got inf)"),
        ("run.seed", "'9007199254740993'", "run.seed: must be an integer, not the string"),
        ("quantum.shots", "true", "quantum.shots: must be an integer, not true or false"),
    ],
)
def test_the_red_team_numbers_are_refused_in_one_line_before_anything_is_written(
    tmp_path: Path, key: str, text: str, line: str
) -> None:
    section, field = key.split(".")
    doc = copy.deepcopy(SMALL)
    doc.setdefault(section, {})[field] = TOKEN
    path = tmp_path / "hostile.yaml"
    path.write_text(yaml.safe_dump(doc).replace(TOKEN, text))
    out = tmp_path / "run"
    result = runner.invoke(app, ["run", str(path), "--out", str(out), "--no-report"])
    assert result.exit_code == 2, result.output
    assert result.stderr.strip().splitlines()[0].startswith(line), result.stderr
    assert "Traceback" not in result.output and not out.exists()


def test_negative_zero_runs_as_zero_so_the_hash_determines_the_run(tmp_path: Path) -> None:
    from orchestrator.run.runner import execute

    roots, hashes = [], []
    for name, phi in (("plus", "0.0"), ("minus", "-0.0")):
        doc = copy.deepcopy(SMALL)
        doc["pci"]["initial_phi"] = TOKEN
        doc["run"]["ticks"] = 2
        config = load_config_text_here(yaml.safe_dump(doc).replace(TOKEN, phi))
        hashes.append(config.config_hash())
        result = execute(config, tmp_path / name, draw_report=False)
        assert result.status == "completed"
        roots.append(result.final_root)
    assert hashes[0] == hashes[1]  # RFC 8785 writes both zeros as 0
    assert roots[0] == roots[1]


def test_a_string_that_reads_as_a_yaml_12_number_is_written_quoted() -> None:
    from orchestrator.config.yaml_input import dump_yaml, parse_yaml

    data = {"out": "1e5", "octal": "0o17", "plain": "runs/x", "number": 1e-05, "zero": 0.0}
    text = dump_yaml(data)
    assert "'1e5'" in text and "'0o17'" in text
    assert parse_yaml(text, "t").data == data
