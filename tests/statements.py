"""Counting the SQL statements a piece of code sends: statement budgets are behaviour users feel."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event

from tests.harness import Lanekit


class StatementCounter:
    """`with StatementCounter(lanekit) as counter:` records every statement the app's engine sends while
    `on` is true (it starts true); `count` is how many."""

    def __init__(self, lanekit: Lanekit, *, on: bool = True) -> None:
        self.engine = lanekit.db.engine.sync_engine
        self.statements: list[str] = []
        self.on = on

    @property
    def count(self) -> int:
        return len(self.statements)

    def __call__(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if self.on:
            self.statements.append(statement)

    def __enter__(self) -> StatementCounter:
        event.listen(self.engine, "before_cursor_execute", self)
        return self

    def __exit__(self, *_exc: object) -> None:
        event.remove(self.engine, "before_cursor_execute", self)
