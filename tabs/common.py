"""What every tab shares: the UI context, the error wrapper, small formatting helpers."""
from __future__ import annotations

import functools
import inspect
import json
import logging
import math
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr
from gradio.utils import get_upload_folder

from i18n import I18nAuto, negotiate, speaking
from ras.analysis.analyzer import Analyzer
from ras.analysis.emotion_tagging import EmotionTagger
from ras.errors import InputError, NotFound, RasError
from ras.finder.driver import FinderDriver
from ras.queue.backend import Backend
from ras.queue.runner import Runner
from ras.server_paths import check_path
from ras.settings import Settings
from ras.store.workspace import Workspace

log = logging.getLogger("ras.ui")


@dataclass
class UIContext:
    """Built once in main(); handed to every tab's build() and wire()."""

    settings: Settings
    ws: Workspace
    i18n: I18nAuto
    backend: Backend  # which GPT-SoVITS: engines, weights
    runner: Runner  # the job queue
    analyzer: Analyzer  # metrics and spectrograms of each result as it lands
    finder: FinderDriver  # advances reference-finder runs in the background
    emotion_tagger: EmotionTagger  # tags new clips with the speech-emotion model in the background


@dataclass(frozen=True)
class Page:
    """The page-wide components every tab's events may use (the app's load event, the tab strip, the role
    picker above the tabs). Components of one other tab reach a wire() as keyword arguments instead."""

    app: gr.Blocks
    tabs: gr.Tabs
    role: gr.Dropdown
    refresh_roles: gr.Button


MAX_MESSAGE_CHARS = 1000  # a message quoting a 200,000-character input must not flood the page


def _number_parameters(fn: Callable) -> dict[str, type]:
    """{parameter: int or float} for the parameters typed as numbers (API endpoints declare them)."""
    try:
        hints = typing.get_type_hints(fn)
    except Exception:  # noqa: BLE001 - UI handlers carry no usable hints; nothing to check then
        return {}
    found = {}
    for name, hint in hints.items():
        options = typing.get_args(hint) if isinstance(hint, types.UnionType) else (hint,)
        kinds = [kind for kind in options if kind in (int, float)]
        if name != "return" and kinds and all(kind in (int, float, type(None)) for kind in options):
            found[name] = kinds[0]
    return found


def _check_numbers(signature: inspect.Signature, numbers: dict[str, type], args, kwargs) -> None:
    """A script that sends "abc" for an id hears which argument is wrong, not int()'s complaint."""
    try:
        bound = signature.bind_partial(*args, **kwargs)
    except TypeError:
        return
    for name, kind in numbers.items():
        value = bound.arguments.get(name)
        if value is None or isinstance(value, bool):
            continue
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = math.nan
        if not math.isfinite(number) or (kind is int and not number.is_integer()):
            wanted = "a whole number" if kind is int else "a finite number"
            raise InputError(f"{name} must be {wanted}, got {str(value)[:60]!r}")


def ui_action(i18n: I18nAuto, what: str) -> Callable:
    """Turn any exception into a visible gr.Error: the failed action in the visitor's language, then the cause.

    The wrapper takes the visitor's request as one more argument (Gradio fills it in by its type), so the
    handler's i18n(...) answers in the language the visitor's browser asks for, and any text the page was
    built with that reaches the answer is translated too. Arguments typed int/float are checked first, so a
    wrong type is named as such. Errors the user can act on (ras.errors) are logged in one line; anything
    else with its traceback. Both name the exception type and a shortened view of the arguments the handler
    got; a message quoting a huge input is cut short."""

    def decorate(fn: Callable) -> Callable:
        numbers = _number_parameters(fn)
        signature = inspect.signature(fn)

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            request = kwargs.pop(REQUEST_PARAMETER, None)
            found = [a for a in args if isinstance(a, gr.Request)]
            args = tuple(a for a in args if not isinstance(a, gr.Request))
            request = request or (found[0] if found else None)
            # a handler called by another one, without a request, answers in the language already spoken
            with speaking(visitor_language(request) if request is not None else i18n.current_language()):
                try:
                    _check_numbers(signature, numbers, args, kwargs)
                    return i18n.localize(fn(*args, **kwargs))
                except gr.Error as exc:
                    exc.message = i18n.localize(exc.message)
                    raise
                except RasError as exc:  # the user's to fix: one line, no traceback
                    log.info("%s (%s): %s; arguments: %s", what, type(exc).__name__, exc,
                             short_arguments(args, kwargs))
                    # Gradio prints a gr.Error's traceback unless told not to: a user's mistake stays one line
                    raise gr.Error(f"{i18n(what)}: {short_message(exc)}", print_exception=False) from exc
                except Exception as exc:  # every failure must reach the page
                    log.exception("%s failed (%s); arguments: %s", what, type(exc).__name__,
                                  short_arguments(args, kwargs))
                    raise gr.Error(f"{i18n(what)}: {short_message(exc)}") from exc

        wrapper.__signature__ = _with_request(signature)
        wrapper.__annotations__ = {**getattr(fn, "__annotations__", {}), REQUEST_PARAMETER: gr.Request}
        wrapper.ui_action = what  # lets a test check that every handler of the page is guarded
        return wrapper

    return decorate


REQUEST_PARAMETER = "visitor_request"


def _with_request(signature: inspect.Signature) -> inspect.Signature:
    """The handler's signature plus a last positional parameter typed gr.Request, where Gradio passes the
    visitor's request (it fills typed parameters by position, before any *args or keyword-only ones)."""
    parameters = list(signature.parameters.values())
    cut = next((i for i, p in enumerate(parameters) if p.kind not in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)),
               len(parameters))
    request = inspect.Parameter(REQUEST_PARAMETER, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=None,
                                annotation=gr.Request)
    return signature.replace(parameters=[*parameters[:cut], request, *parameters[cut:]])


def visitor_language(request: gr.Request | None) -> str:
    """The language the visitor's browser asks for; Chinese for scripts and calls without a request."""
    headers = getattr(request, "headers", None)
    return negotiate(headers.get("accept-language") if headers is not None else None)


def short_message(exc: Exception) -> str:
    """The exception's message for the page, at most MAX_MESSAGE_CHARS long."""
    message = str(exc) or type(exc).__name__
    return message if len(message) <= MAX_MESSAGE_CHARS else f"{message[:MAX_MESSAGE_CHARS]}…"


def short_arguments(args: tuple, kwargs: dict, width: int = 60) -> str:
    """A handler's arguments for the log: each value's repr cut to `width` characters (tables and audio
    are long), so a failure can be traced without flooding the log."""

    def short(value) -> str:
        text = repr(value)
        return text if len(text) <= width else text[:width - 1] + "…"

    return ", ".join([short(a) for a in args] + [f"{key}={short(value)}" for key, value in kwargs.items()])


def choices(i18n: I18nAuto, pairs) -> list[tuple[str, str]]:
    """(label key, code) pairs -> Gradio choices shown in the UI language, storing only codes."""
    return [(i18n(label), code) for label, code in pairs]


SCORES = ("0", "1", "2", "3", "4", "5")  # the human score, 0 unusable .. 5 best


def score_radio(i18n: I18nAuto, elem_id: str) -> gr.Radio:
    """The 0-5 score picker of a result or a long-text part (keys 0-5 click it: tabs/score_keys.js)."""
    return gr.Radio(list(SCORES), label=i18n("评分（0 不可用 · 5 最好）"), elem_id=elem_id)


def score_choice(score: float | None) -> str | None:
    """A stored score as the picker's choice."""
    return None if score is None else str(int(score))


def picker_update(options: list, value, current) -> dict:
    """A dropdown update to these options and this value, the value left out when sending it again would
    change nothing. The page fires a dropdown's change event for a value it is sent even when nothing
    changed if it is empty or a list (a multiselect's [] every time, a first None; a picked id sent again
    fires nothing): on a role switch or a page load every tab's pickers are refreshed, and each such event
    ran its tab's handlers again for nothing, each costing the browser a walk over every component (see
    tabs/page_events)."""
    unchanged = (_nothing_picked(value) and _nothing_picked(current)) or (isinstance(value, list) and value == current)
    return gr.update(choices=options) if unchanged else gr.update(choices=options, value=value)


def _nothing_picked(value) -> bool:
    return value is None or value == "" or (isinstance(value, list) and not value)


def kept_value(options: list, current):
    """`current` while it is among these options (values, or (label, value) pairs), else the first value
    (None without any)."""
    values = [option[1] if isinstance(option, tuple) else option for option in options]
    return current if current in values else (values[0] if values else None)


def keep_choice(options: list[tuple], current) -> dict:
    """A dropdown update to these (label, value) options that keeps `current` while it is offered, else
    takes the first (None when there is none)."""
    return gr.update(choices=options, value=kept_value(options, current))


_SHOWN = object()


def refreshed_choice(options: list, shown, wanted=_SHOWN) -> dict:
    """keep_choice for a picker refreshed with what it shows now (`shown`, an input of the same event),
    keeping `wanted` (by default what it shows) while offered: the value is left out when it would change
    nothing (picker_update)."""
    return picker_update(options, kept_value(options, shown if wanted is _SHOWN else wanted), shown)


def parse_ids(text: str | None) -> list[int]:
    """Clip ids typed or copied as "3, 4，5 6"; InputError quoting the text if one is not a number."""
    parts = [p for p in (text or "").replace("，", ",").replace(" ", ",").split(",") if p.strip()]
    try:
        return [int(p) for p in parts]
    except ValueError:
        raise InputError(f"clip ids must be whole numbers separated by commas: {text!r}") from None


def selected_row(evt: gr.SelectData) -> int:
    """The table row a click selected (Gradio gives [row, column] for a cell)."""
    return evt.index[0] if isinstance(evt.index, (list, tuple)) else evt.index


def require_role(i18n: I18nAuto, role: str | None) -> str:
    if not role:
        raise gr.Error(i18n("请先选择角色"))
    return role


def json_object(value: Any, name: str, example: str = "") -> dict:
    """A dict argument as gradio_client sends it, or as JSON text typed by a script; InputError naming it."""
    found = value
    if isinstance(found, str):
        try:
            found = json.loads(found)
        except json.JSONDecodeError as exc:
            raise InputError(f"{name} is not valid JSON: {exc}") from None
    if not isinstance(found, dict):
        raise InputError(f"{name} must be a JSON object" + (f" like {example}" if example else ""))
    return found


def uploaded_path(value: Any) -> Path:
    """A server path, or what gradio_client's handle_file() uploads (a dict with its temp path)."""
    if isinstance(value, dict):
        value = value.get("path") or ""
    if not value or not isinstance(value, str | Path):
        raise InputError("no file given: upload one (handle_file) or name a file on the server")
    return Path(str(value))


def readable_roots(ctx: UIContext, *extra: Path | None) -> list[Path] | None:
    """None when requests may name any file on this machine; else the folders they may name files in:
    Gradio's upload folder, the roles folder and `extra`."""
    if ctx.settings.server_paths_allowed:
        return None
    return [Path(get_upload_folder()), ctx.settings.roles_dir, *(p for p in extra if p)]


def request_file(ctx: UIContext, value: Any, what: str, *extra_roots: Path | None) -> Path:
    """The file a request names (an upload or a server path), refused behind a shared link when it
    lies outside the folders the host exposes."""
    path = check_path(uploaded_path(value), roots=readable_roots(ctx, *extra_roots), what=what)
    if not path.is_file():
        raise NotFound(f"{what} not found: {str(path)[:200]}")
    return path



# ---------------------------------------------------------------- handlers as plain functions
# A tab's handlers are module-level functions `handler(ctx, tab, *, <named values>) -> {component: value}`,
# marked with the action a failure is reported under. wire() only connects them (connect/connect_each),
# so a unit test builds the tab and calls a handler with named values, without a browser.

FILLED_BY_GRADIO = (gr.SelectData, gr.Request, gr.EventData)  # parameters Gradio fills by their type


def handles(what: str) -> Callable:
    """Mark a handler with the action its failure is reported under, e.g. @handles("保存失败")."""

    def mark(fn: Callable) -> Callable:
        fn.failure = what
        return fn

    return mark


def _filled_by_gradio(parameter: inspect.Parameter) -> bool:
    annotation = parameter.annotation
    if isinstance(annotation, str):  # postponed annotations: "gr.SelectData"
        return annotation.rpartition(".")[2] in {kind.__name__ for kind in FILLED_BY_GRADIO}
    return isinstance(annotation, type) and issubclass(annotation, FILLED_BY_GRADIO)


def bind(ctx: UIContext, handler: Callable, tab: Any, names: list[str]) -> Callable:
    """The function Gradio calls: positional input values named `names` (plus what Gradio fills by type,
    e.g. a table's SelectData) become the handler's keyword arguments after (ctx, tab)."""
    parameters = inspect.signature(handler).parameters.values()
    filled = [p for p in parameters if _filled_by_gradio(p)]
    # a progress bar: Gradio finds it as a parameter whose default is a gr.Progress
    tracked = [p for p in parameters if isinstance(p.default, gr.Progress)]

    def run(*values):
        named = dict(zip(names, values[:len(names)]))
        named.update(zip([p.name for p in filled + tracked], values[len(names):]))
        return handler(ctx, tab, **named)

    positional = inspect.Parameter.POSITIONAL_OR_KEYWORD
    run.__signature__ = inspect.Signature(
        [inspect.Parameter(name, positional) for name in names]
        + [inspect.Parameter(p.name, positional, annotation=_resolved(p.annotation)) for p in filled]
        + [inspect.Parameter(p.name, positional, default=p.default) for p in tracked])
    # Gradio reads the types it fills in from the annotations, not from the signature
    run.__annotations__ = {p.name: _resolved(p.annotation) for p in filled}
    run.__name__ = run.__qualname__ = handler.__name__
    run.__doc__ = handler.__doc__
    return ui_action(ctx.i18n, handler.failure)(run)


def _resolved(annotation):
    if isinstance(annotation, str):
        name = annotation.rpartition(".")[2]
        return next(kind for kind in FILLED_BY_GRADIO if kind.__name__ == name)
    return annotation


def connect(ctx: UIContext, trigger: Callable, handler: Callable, tab: Any, inputs: dict[str, Any] | None,
            outputs, **options) -> Any:
    """trigger(bound handler): `inputs` maps the handler's argument names to components; the handler
    answers {component: value} for (some of) `outputs`. UI events stay out of the public API."""
    inputs = inputs or {}
    bound = bind(ctx, handler, tab, list(inputs))
    return trigger(bound, list(inputs.values()), outputs, **{"api_visibility": "private", **options})


def connect_each(ctx: UIContext, triggers, handler: Callable, tab: Any, inputs: dict[str, Any] | None, outputs,
                 **options) -> None:
    """One handler for several events, e.g. a refresh button, the role picker and the page load."""
    for trigger in triggers:
        connect(ctx, trigger, handler, tab, inputs, outputs, **options)
