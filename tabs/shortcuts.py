"""Shortcuts from one tab into another: the products tab's form a "keep" button fills, the A/B tab opened on
a new blind session, and the long-text tab opened on a take. Several tabs offer them; the components belong to
the products, A/B and long-text tabs."""
from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from tabs.common import UIContext
from tabs.finder_blind import BlindComparison
from tabs.widgets import ab_session_choices, task_choices


@dataclass(frozen=True)
class ProductForm:
    """The products tab's form, which a "keep" button fills, and the tab strip that opens it."""

    tabs: gr.Tabs
    result_id: gr.Number
    name: gr.Textbox
    note: gr.Textbox

    def outputs(self) -> list:
        return [self.result_id, self.name, self.note, self.tabs]

    def filled(self, result_id: int, name: str, note: str) -> dict:
        """The form filled with a take to keep, and the products tab opened on it."""
        return {self.result_id: result_id, self.name: name, self.note: note, self.tabs: gr.Tabs(selected="products")}


@dataclass(frozen=True)
class AbPickers:
    """The A/B tab's task and session pickers, which another tab sets before opening it, and the tab strip."""

    tabs: gr.Tabs
    task: gr.Dropdown
    session: gr.Dropdown

    def outputs(self) -> list:
        return [self.task, self.session, self.tabs]

    def opened(self, ctx: UIContext, role: str, started: BlindComparison) -> dict:
        """The A/B tab opened on a new blind session: its task and session picked, the lists holding them."""
        return {self.task: gr.update(choices=task_choices(ctx, role), value=started.task_id),
                self.session: gr.update(choices=ab_session_choices(ctx, role, started.task_id),
                                        value=started.session_id),
                self.tabs: gr.Tabs(selected="ab")}


@dataclass(frozen=True)
class LongTextPicker:
    """The long-text tab's result picker, which a take's "long text" button fills, and the tab strip."""

    tabs: gr.Tabs
    results: gr.Dropdown

    def outputs(self) -> list:
        return [self.results, self.tabs]

    def opened(self, result_id: int) -> dict:
        """The long-text tab opened with this take picked as its only configuration."""
        return {self.results: gr.update(choices=[(f"#{result_id}", result_id)], value=[result_id]),
                self.tabs: gr.Tabs(selected="long_text")}
