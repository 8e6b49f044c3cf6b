"""The curriculum, read from lab/curriculum.toml: the one list of modules and milestones.

`load()` gives a `Curriculum`, which resolves what a learner types ("06", "6", "optimizers")
and knows where each module's files live.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from . import ROOT, LabError, UsageError

CURRICULUM = Path("lab") / "curriculum.toml"


class CurriculumError(LabError):
    """lab/curriculum.toml is missing, malformed or inconsistent."""


@dataclass(frozen=True)
class Module:
    number: int
    name: str
    title: str
    file: str
    summary: str
    needs: tuple[str, ...]

    @property
    def slug(self) -> str:
        """The folder name under lab/modules, e.g. "06_optimizers"."""
        return f"{self.number:02d}_{self.name}"

    @property
    def label(self) -> str:
        """How messages name the module, e.g. "06 optimizers"."""
        return f"{self.number:02d} {self.name}"

    @property
    def submodule(self) -> str:
        """The tinytorch submodule the file becomes, e.g. "optimizers"."""
        return Path(self.file).stem


@dataclass(frozen=True)
class Milestone:
    number: int
    name: str
    year: int
    title: str
    script: str
    needs: tuple[str, ...]

    @property
    def label(self) -> str:
        return f"{self.number:02d} {self.name}"


@dataclass(frozen=True)
class Curriculum:
    root: Path
    modules: tuple[Module, ...]
    milestones: tuple[Milestone, ...]

    # -- resolving what a learner types -------------------------------------------------------
    def module(self, key: str | int) -> Module:
        """The module named by `key`: its number ("06" or "6"), its name or its folder name."""
        found = _lookup(self.modules, key, extra=lambda m: m.slug)
        if found is None:
            raise UsageError(
                f"Unknown module {str(key)!r}. Give a number or a name; valid modules:\n"
                + self.module_listing()
            )
        return found

    def milestone(self, key: str | int) -> Milestone:
        """The milestone named by `key`: its number or its name."""
        found = _lookup(self.milestones, key)
        if found is None:
            listing = "\n".join(f"  {m.label:<18} {m.year}  {m.title}" for m in self.milestones)
            raise UsageError(
                f"Unknown milestone {str(key)!r}. Valid milestones:\n{listing}"
            )
        return found

    def module_listing(self) -> str:
        return "\n".join(f"  {m.label:<16} {m.title}" for m in self.modules)

    def needed_modules(self, item: Module | Milestone) -> list[Module]:
        return [self.module(name) for name in item.needs]

    def earlier(self, module: Module) -> list[Module]:
        return [m for m in self.modules if m.number < module.number]

    # -- where things live ---------------------------------------------------------------------
    @property
    def lab_package(self) -> Path:
        """The learner's package folder, lab/tinytorch, searched first in lab mode."""
        return self.root / "lab" / "tinytorch"

    @property
    def backups(self) -> Path:
        return self.root / "lab" / "backups"

    def reference_file(self, module: Module) -> Path:
        return self.root / "tinytorch" / module.file

    def learner_file(self, module: Module) -> Path:
        return self.lab_package / module.file

    def module_dir(self, module: Module) -> Path:
        """The module's folder: its guide (README.md) and its tests."""
        return self.root / "lab" / "modules" / module.slug

    def guide(self, module: Module) -> Path:
        return self.module_dir(module) / "README.md"

    def script(self, milestone: Milestone) -> Path:
        return self.root / milestone.script

    def started(self, module: Module) -> bool:
        """A module is started once its file exists in lab/tinytorch."""
        return self.learner_file(module).is_file()

    def started_modules(self) -> list[Module]:
        return [m for m in self.modules if self.started(m)]

    def rel(self, path: Path) -> str:
        """`path` relative to the repository root, for messages."""
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return str(path)


def _lookup(items, key, extra=lambda item: None):
    text = str(key).strip().lower()
    for item in items:
        if text in (item.name, extra(item)) or (text.isdigit() and int(text) == item.number):
            return item
    return None


def load(root: Path = ROOT) -> Curriculum:
    """Read and check `root`/lab/curriculum.toml."""
    path = Path(root) / CURRICULUM
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CurriculumError(f"{path} is missing: it is the lab's list of modules") from None
    except tomllib.TOMLDecodeError as err:
        raise CurriculumError(f"{path} is not valid TOML: {err}") from None
    modules = tuple(sorted(_records(path, data, "modules", Module), key=lambda m: m.number))
    milestones = tuple(sorted(_records(path, data, "milestones", Milestone), key=lambda m: m.number))
    _check(path, modules, milestones)
    return Curriculum(Path(root).resolve(), modules, milestones)


def _records(path: Path, data: dict, table: str, kind: type) -> list:
    fields = kind.__dataclass_fields__
    records = []
    for index, entry in enumerate(data.get(table, []), start=1):
        missing = sorted(set(fields) - set(entry))
        unknown = sorted(set(entry) - set(fields))
        if missing or unknown:
            raise CurriculumError(
                f"{path}: [[{table}]] entry {index} ({entry.get('name', '?')}): "
                + "; ".join(filter(None, [
                    missing and f"missing {', '.join(missing)}",
                    unknown and f"unknown key {', '.join(unknown)}",
                ]))
                + f" (keys are: {', '.join(fields)})"
            )
        records.append(kind(**{**entry, "needs": tuple(entry["needs"])}))
    if not records:
        raise CurriculumError(f"{path} lists no [[{table}]]")
    return records


def _check(path: Path, modules: tuple[Module, ...], milestones: tuple[Milestone, ...]) -> None:
    for kind, items in (("module", modules), ("milestone", milestones)):
        for attr in ("number", "name"):
            values = [getattr(item, attr) for item in items]
            repeated = sorted({str(v) for v in values if values.count(v) > 1})
            if repeated:
                raise CurriculumError(f"{path}: {kind} {attr} repeated: {', '.join(repeated)}")
    order = {m.name: m.number for m in modules}
    for module in modules:
        for need in module.needs:
            if order.get(need, module.number) >= module.number:
                raise CurriculumError(
                    f"{path}: module {module.name} needs {need!r}, which is not an earlier module"
                )
    for milestone in milestones:
        unknown = [need for need in milestone.needs if need not in order]
        if unknown:
            raise CurriculumError(
                f"{path}: milestone {milestone.name} needs unknown module(s) {', '.join(unknown)}"
            )
