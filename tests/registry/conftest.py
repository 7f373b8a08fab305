"""Empty registries for the registry's tests: Alembic runs once, each test database is a copy of that template."""

from __future__ import annotations

import itertools
import shutil
from pathlib import Path

import pytest

from jiuzhu import migrate
from jiuzhu.db import make_engine


@pytest.fixture(scope="session")
def template_db(tmp_path_factory) -> Path:
    """An empty registry (schema by Alembic), never opened by a test: copied for each database a test needs."""
    path = tmp_path_factory.mktemp("template") / "empty.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    engine.dispose()
    return path


class EmptyRegistries:
    """``make(name=None)``: an engine on a new copy of the template in ``folder`` (named ``name``, else numbered);
    every engine made is disposed at the end of the fixture's scope."""

    def __init__(self, template: Path, folder: Path) -> None:
        self.template, self.folder, self.engines = template, folder, []
        self._numbers = itertools.count()

    def __call__(self, name: str | None = None):
        target = self.folder / (name or f"{next(self._numbers)}.db")
        shutil.copy(self.template, target)
        engine = make_engine(f"sqlite:///{target}")
        self.engines.append(engine)
        return engine

    def dispose(self) -> None:
        for engine in self.engines:
            engine.dispose()


@pytest.fixture
def new_db(template_db, tmp_path):
    """New empty registries for one test, in its ``tmp_path``."""
    registries = EmptyRegistries(template_db, tmp_path)
    yield registries
    registries.dispose()


@pytest.fixture(scope="module")
def module_db(template_db, tmp_path_factory):
    """New empty registries that live as long as the test module: for Hypothesis tests (a function-scoped fixture
    is not renewed between examples, so each example makes its own) and module-scoped fixtures."""
    registries = EmptyRegistries(template_db, tmp_path_factory.mktemp("dbs"))
    yield registries
    registries.dispose()
