"""The exercise registry: the one place the program learns which exercises exist.

Built-in exercises are the sub-packages of :mod:`formcheck.exercises` that have a ``spec``
module exposing ``SPEC``; each is found by walking the package, so adding one needs no edit
here. Third-party packages can add theirs through the ``formcheck.exercises`` entry-point group
(the entry point loads an :class:`~formcheck.exercises.spec.ExerciseSpec`). Tests register a
toy spec with :func:`register` and remove it with :func:`unregister`.
"""

from __future__ import annotations

import importlib
import pkgutil
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from importlib.metadata import entry_points
from typing import Any

from formcheck.errors import ConfigError
from formcheck.exercises.spec import ExerciseSpec, FaultSpec

AUTO = "auto"  # --exercise auto: recognise the exercise from the movement
OTHER = "other"  # what recognition calls a movement that is none of the registered ones
ENTRY_POINT_GROUP = "formcheck.exercises"

_specs: dict[str, ExerciseSpec] = {}
_loaded = False
_lock = threading.RLock()


def _load_builtins() -> None:
    global _loaded
    with _lock:
        if _loaded:
            return
        import formcheck.exercises as package

        for module in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
            if not module.ispkg:
                continue
            spec_module = importlib.import_module(f"{package.__name__}.{module.name}.spec")
            _add(spec_module.SPEC)
        for entry in entry_points(group=ENTRY_POINT_GROUP):
            _add(entry.load())
        _loaded = True


def _sorted() -> None:
    ordered = sorted(_specs.values(), key=lambda s: (s.order, s.id))
    _specs.clear()
    _specs.update((s.id, s) for s in ordered)


def _add(spec: ExerciseSpec) -> None:
    if not isinstance(spec, ExerciseSpec):
        raise TypeError(f"an exercise plug-in must give an ExerciseSpec, got {type(spec)}")
    if spec.id in (AUTO, OTHER) or spec.id in _specs:
        raise ValueError(f"exercise id {spec.id!r} is taken")
    _specs[spec.id] = spec
    _sorted()


def register(spec: ExerciseSpec) -> ExerciseSpec:
    """Add an exercise (a plug-in defined outside formcheck, or a test's toy exercise)."""
    _load_builtins()
    with _lock:
        _add(spec)
    return spec


def unregister(exercise_id: str) -> None:
    with _lock:
        _specs.pop(exercise_id, None)


@contextmanager
def registered(spec: ExerciseSpec) -> Iterator[ExerciseSpec]:
    """``with registered(spec):`` the exercise exists for the block only."""
    register(spec)
    try:
        yield spec
    finally:
        unregister(spec.id)


def all_specs() -> tuple[ExerciseSpec, ...]:
    _load_builtins()
    return tuple(_specs.values())


def exercise_ids() -> tuple[str, ...]:
    return tuple(s.id for s in all_specs())


def exercise_choices() -> tuple[str, ...]:
    """What --exercise accepts: ``auto`` and every registered exercise."""
    return (AUTO, *exercise_ids())


def recognition_classes() -> tuple[str, ...]:
    return (*exercise_ids(), OTHER)


def get(exercise_id: str) -> ExerciseSpec:
    _load_builtins()
    try:
        return _specs[exercise_id]
    except KeyError:
        raise ConfigError(
            f"Unknown exercise {exercise_id!r}.", f"Choose one of: {', '.join(exercise_ids())}."
        ) from None


def find(exercise_id: str | None) -> ExerciseSpec | None:
    """The spec of ``exercise_id``, or None for ``auto``, ``other`` or an unknown name."""
    _load_builtins()
    return _specs.get(exercise_id or "")


def _key(name: str) -> str:
    return name.strip().lower().replace("-", "").replace("_", "").replace(" ", "")


def lookup(name: str) -> str | None:
    """The exercise id a name or alias stands for (``auto`` stays ``auto``), else None."""
    key = _key(name)
    if key == AUTO:
        return AUTO
    for spec in all_specs():
        if key in {_key(spec.id), _key(spec.name), *(_key(a) for a in spec.aliases)}:
            return spec.id
    return None


def normalise(name: str) -> str:
    """The exercise id for what a user typed (``auto`` or an id or alias); refuse the rest."""
    found = lookup(name)
    if found is None:
        raise ConfigError(
            f"Unknown exercise {name!r}.", f"Choose one of: {', '.join(exercise_choices())}."
        )
    return found


def needs_masks(exercise: str) -> bool:
    """Whether the pose stage must keep segmentation masks to judge ``exercise`` (an id).

    With ``auto`` the clip may turn out to be any exercise, so masks stay on when any
    registered exercise needs them.
    """
    if exercise == AUTO:
        return any(s.needs_masks for s in all_specs())
    spec = find(exercise)
    return bool(spec and spec.needs_masks)


def mask_measures(exercise: str = AUTO) -> dict[str, Any]:
    """The mask measures the pose stage takes for ``exercise`` (``auto``: for every exercise).

    Each extra is named once: two plug-ins asking for the same extra share its measure.
    """
    specs = all_specs() if exercise == AUTO else tuple(s for s in [find(exercise)] if s)
    measures: dict[str, Any] = {}
    for spec in specs:
        measures.update(spec.mask_measures)
    return measures


def fault_spec(code: str, exercise: str | None = None) -> FaultSpec | None:
    """The fault's spec, from ``exercise`` when given, else from the first exercise that has it."""
    spec = find(exercise)
    if spec is not None and spec.fault(code) is not None:
        return spec.fault(code)
    return next((f for s in all_specs() if (f := s.fault(code)) is not None), None)


def all_fault_codes() -> tuple[str, ...]:
    """Every fault code of every exercise, each once, in registry order."""
    return tuple(dict.fromkeys(code for s in all_specs() for code in s.fault_codes))


def config_types() -> dict[str, type]:
    return {s.id: s.config_type for s in all_specs()}


def default_configs() -> dict[str, Any]:
    return {s.id: s.config_type() for s in all_specs()}


def complete_configs(configs: Mapping[str, Any] | None) -> dict[str, Any]:
    """Every registered exercise's config: those given (checked), defaults for the rest.

    A config under an unknown id or of the wrong type is refused here, once, with the fix,
    instead of failing deep inside a rule.
    """
    complete = default_configs()
    for exercise_id, config in (configs or {}).items():
        spec = find(exercise_id)
        if spec is None:
            raise ConfigError(
                f"Rule configs name an unknown exercise {exercise_id!r}.",
                f"Use the exercise ids: {', '.join(exercise_ids())}.",
            )
        if not isinstance(config, spec.config_type):
            raise ConfigError(
                f"The {exercise_id} config must be a {spec.config_type.__name__}, "
                f"got {type(config).__name__}.",
                "Load configs with formcheck.engine.analyze.load_rule_configs(...).",
            )
        complete[exercise_id] = config
    return complete
