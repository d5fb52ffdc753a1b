"""What the page does by itself costs the browser little: one event for a role switch, and loading overlays
only where a person clicked.

In the browser, Gradio 6 remembers a loading state for every component any event has answered, and on every
state change of every event (pending, then complete) it walks its whole component tree (~1,000 components
here) once for each of them. Measured with a 1,000-clip role (benchmarks/tab_switch.py): eleven listeners on
the role picker, the page load's fifteen events and four 2-second polls kept the browser's main thread busy
for 3-8 s after a role switch, while the server had answered them all within a second. So, after every tab
is wired:
- merge_listeners: the role picker's listeners, and the page load's, each become one event that runs each
  tab's handler in turn and answers all their outputs (the tabs keep wiring their own listeners as usual);
- quiet_progress: events nobody clicked show their progress on no component, so they add nothing to the
  states the browser walks for.
"""
from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import gradio as gr
from gradio.block_function import BlockFunction

from tabs.common import REQUEST_PARAMETER


def listeners_of(app: gr.Blocks, block: gr.blocks.Block, event: str) -> list[BlockFunction]:
    return [fn for fn in app.fns.values() if fn.fn is not None and any(_is_event(t, block, event) for t in fn.targets)]


def _is_event(target, block: gr.blocks.Block, event: str) -> bool:
    return getattr(target[0], "_id", target[0]) == block._id and target[1] == event


def _keyed(fn: BlockFunction, answer: Any) -> dict:
    """A handler's answer as {component: value}, whichever form it took."""
    if isinstance(answer, dict) and all(isinstance(key, gr.blocks.Block) for key in answer):
        return answer
    if len(fn.outputs) == 1:
        return {fn.outputs[0]: answer}
    return dict(zip(fn.outputs, answer, strict=True))


def _unique(blocks) -> list:
    return list({block._id: block for block in blocks}.values())


def _merged(listeners: list[BlockFunction], inputs: list) -> Callable:
    """Runs every listener on its own inputs, with the visitor's request (each answers in the visitor's
    language), and answers all their outputs. Each listener is guarded by ui_action itself, so a failure
    arrives here as a gr.Error: shown as a warning while the other tabs still get their answers."""

    def run(*values):
        request = values[len(inputs)] if len(values) > len(inputs) else None  # Gradio adds it last
        by_id = dict(zip([block._id for block in inputs], values[:len(inputs)]))
        answer: dict = {}
        for fn in listeners:
            try:
                arguments = [by_id[block._id] for block in fn.inputs]
                answer.update(_keyed(fn, fn.fn(*arguments, **{REQUEST_PARAMETER: request})))
            except gr.Error as exc:
                gr.Warning(exc.message)
        return answer

    positional = inspect.Parameter.POSITIONAL_OR_KEYWORD
    run.__signature__ = inspect.Signature(
        [inspect.Parameter(f"input_{i}", positional) for i in range(len(inputs))]
        + [inspect.Parameter(REQUEST_PARAMETER, positional, default=None, annotation=gr.Request)])
    run.__annotations__ = {REQUEST_PARAMETER: gr.Request}  # Gradio finds the request's place by annotation
    run.ui_action = "each merged listener is guarded"  # test_guarded_handlers: every handler is
    run.listeners = listeners  # the tabs' own handlers, run in turn
    return run


def merge_listeners(app: gr.Blocks, block: gr.blocks.Block, event: str = "change") -> None:
    """Replace every listener of block.<event> by one event that runs them all (call inside the app's Blocks,
    after every tab is wired). Each listener keeps its other triggers (a refresh button, the page load).
    Listeners answered outside the queue (the page's language on load) stay apart: they answer first."""
    listeners = [fn for fn in listeners_of(app, block, event) if fn.queue is not False]
    if len(listeners) < 2:
        return
    for fn in listeners:
        fn.targets = [target for target in fn.targets if not _is_event(target, block, event)]
    inputs = _unique(b for fn in listeners for b in fn.inputs)
    run = _merged(listeners, inputs)
    run.__name__ = f"on_{getattr(block, 'elem_id', None) or 'block'}_{event}"
    getattr(block, event)(run, inputs, _unique(b for fn in listeners for b in fn.outputs),
                          api_visibility="private", trigger_mode="always_last")


ASKED_FOR = ("click", "submit", "upload")  # a person asked for this: show that it is under way


def quiet_progress(app: gr.Blocks) -> None:
    """Show loading overlays only where a person clicked (and where a handler reports its progress): an event
    that shows its progress on no component (show_progress_on=[]) adds none of its outputs to the states the
    browser walks for. The page load, the polls' timers, a role switch and the lists that follow a dropdown
    answer within a moment, so they go without the overlay."""
    for fn in app.fns.values():
        events = {target[1] for target in fn.targets}
        if fn.fn is not None and not fn.tracks_progress and not events & set(ASKED_FOR):
            fn.show_progress, fn.show_progress_on = "hidden", []
