"""The page in each visitor's language when the app follows the browser (no --lang).

The page is built once with text markers; the browser translates a component's label, info, placeholder,
description, title, value and choice labels when each holds one plain marker. Everything else that holds
markers (table headers, text joined from several translated parts, text with numbers filled in) is found
here after the build: it is first shown in the default language, sent again in the visitor's language when
the page loads, and a table's headers follow the visitor in every later answer of a handler too.
"""
from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import gradio as gr
from gradio.block_function import BlockFunction

from i18n import DEFAULT_LANGUAGE, I18nAuto, browser_translates, has_marker, speaking
from tabs.common import REQUEST_PARAMETER, ui_action, visitor_language
from tabs.widgets import PRIVATE

BROWSER_PROPS = ("label", "info", "placeholder", "description", "title", "value")  # first marker swapped


@dataclass(frozen=True)
class Untranslated:
    """A component's properties, as built with markers, that the browser cannot translate."""

    block: gr.components.Component
    props: dict[str, Any]


def _browser_can_translate(prop: str, value: Any) -> bool:
    if prop in BROWSER_PROPS and isinstance(value, str):
        return browser_translates(value)
    if prop == "choices" and isinstance(value, (list, tuple)):
        pairs = [c if isinstance(c, (list, tuple)) else (c, c) for c in value]
        return all(not has_marker(code) and (not has_marker(label) or browser_translates(label))
                   for label, code in pairs)
    return False


def untranslated(block: gr.blocks.Block) -> Untranslated | None:
    if not isinstance(block, gr.components.Component) and not isinstance(block, gr.blocks.BlockContext):
        return None
    props = {}
    for prop, value in block.get_config().items():
        if has_marker(value) and not _browser_can_translate(prop, value) and hasattr(block, prop):
            props[prop] = getattr(block, prop)
    return Untranslated(block, props) if props else None


def find_untranslated(app: gr.Blocks) -> list[Untranslated]:
    return [found for block in app.blocks.values() if (found := untranslated(block))]


def coded_choices_with_markers(app: gr.Blocks) -> list[str]:
    """Components whose choice *values* are translated text: a handler would get a marker back.
    Choices must be (label, code) pairs; the page refuses to start otherwise."""
    bad = []
    for block in app.blocks.values():
        for choice in getattr(block, "choices", None) or []:
            code = choice[1] if isinstance(choice, (list, tuple)) else choice
            if has_marker(code):
                bad.append(getattr(block, "elem_id", None) or type(block).__name__)
                break
    return bad


def follow_visitors(app: gr.Blocks, i18n: I18nAuto) -> None:
    """Call inside the app's Blocks after every tab is wired."""
    if not i18n.follows_visitor:
        return
    bad = coded_choices_with_markers(app)
    if bad:
        raise ValueError(f"choices of {bad} store translated text; give (label, code) pairs")
    found = find_untranslated(app)
    headers = {item.block._id: item.props["headers"] for item in found
               if isinstance(item.block, gr.Dataframe) and "headers" in item.props}
    for item in found:  # the first paint, before the load answer: the default language, never a raw marker
        for prop, value in item.props.items():
            setattr(item.block, prop, i18n.localize(value, DEFAULT_LANGUAGE))
    for item in found:
        if item.block._id in headers:
            item.block.postprocess = _taking_headed_rows(item.block.postprocess)
    for block_fn in list(app.fns.values()):
        table_outputs = {i: headers[block._id] for i, block in enumerate(block_fn.outputs) if block._id in headers}
        if block_fn.fn is not None and table_outputs:
            block_fn.fn = _with_table_headers(block_fn.fn, table_outputs, block_fn.outputs, i18n)
    refreshed_on_load = {block._id for block_fn in app.fns.values() if _runs_on_load(block_fn)
                         for block in block_fn.outputs}
    resend = [item for item in found if item.block._id not in refreshed_on_load]
    if not resend:
        return

    @ui_action(i18n, "读取页面失败")
    def in_visitor_language():
        updates = [gr.update(**{prop: i18n.localize(value) for prop, value in item.props.items()}) for item in resend]
        return updates if len(updates) > 1 else updates[0]

    app.load(in_visitor_language, None, [item.block for item in resend], **PRIVATE, queue=False)


def _runs_on_load(block_fn: BlockFunction) -> bool:
    return block_fn.fn is not None and any(target[1] == "load" for target in block_fn.targets)


def _with_table_headers(fn: Callable, tables: dict[int, list[str]], output_blocks: list, i18n: I18nAuto) -> Callable:
    """`fn` whose rows for these tables come with their headers in the visitor's language (Gradio would
    add the headers the table was built with, shared by every visitor). A handler answers a list matched
    to the outputs, or {component: value}."""
    outputs = len(output_blocks)
    by_block = {output_blocks[index]._id: header for index, header in tables.items()}

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        request = kwargs.get(REQUEST_PARAMETER) or next((a for a in args if isinstance(a, gr.Request)), None)
        result = fn(*args, **kwargs)
        with speaking(visitor_language(request)):
            if _keyed_by_component(result):
                return {block: _with_headers(value, i18n.localize(by_block[block._id]))
                        if block._id in by_block else value for block, value in result.items()}
            if outputs == 1:
                return _with_headers(result, i18n.localize(tables[0]))
            if isinstance(result, (list, tuple)) and len(result) == outputs:
                values = list(result)
                for index, header in tables.items():
                    values[index] = _with_headers(values[index], i18n.localize(header))
                return type(result)(values) if isinstance(result, tuple) else values
            return result

    return wrapper


def _keyed_by_component(result: Any) -> bool:
    return isinstance(result, dict) and bool(result) and all(isinstance(key, gr.blocks.Block) for key in result)


class HeadedRows(list):
    """A table's rows as a handler returned them, with the headers to show above them."""

    def __init__(self, rows, headers: list[str]):
        super().__init__(rows)
        self.headers = headers


def _taking_headed_rows(postprocess: Callable) -> Callable:
    def with_headers(value):
        if isinstance(value, HeadedRows):
            value = {"headers": value.headers, "data": list(value)}
        return postprocess(value)

    return with_headers


def _with_headers(value: Any, headers: list[str]) -> Any:
    if isinstance(value, dict) and value.get("__type__") == "update":
        return {**value, "value": _with_headers(value["value"], headers)} if "value" in value else value
    if isinstance(value, dict) and "data" in value and not value.get("headers"):
        return {**value, "headers": headers}
    if isinstance(value, (list, tuple)):
        return HeadedRows(value, headers)
    return value
