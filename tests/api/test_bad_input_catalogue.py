"""A catalogue of bad input sent through the public API (and a few through the page).

Each answer must name the problem in words (not a traceback, not a silent success), the app
must stay up, and nothing stored may change: the role DBs' rows, the main DB's rows and the
files under the roles folder are compared before and after. The catalogue is data: add a
line to CATALOGUE for every new kind of bad input.
"""
from __future__ import annotations

import hashlib
import re
import sqlite3
import struct
import time
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import soundfile

from tests.fixtures.app import wait_for, write_tone
from tests.fixtures.planted import PlantedServer, launch_planted_app, planted_weights_dir, start_planted_server
from tests.fixtures.planted_engine import Profile

pytestmark = pytest.mark.slow

ROLE = "目录-基准"


def write_raw_wav(path: Path, *, seconds: float, rate: int = 8000) -> Path:
    """An 8-bit PCM WAV written header first and zeros after: hours of audio without hours of numpy."""
    frames = int(seconds * rate)
    header = b"RIFF" + struct.pack("<I", 36 + frames) + b"WAVE" + b"fmt " + struct.pack(
        "<IHHIIHH", 16, 1, 1, rate, rate, 1, 8) + b"data" + struct.pack("<I", frames)
    with open(path, "wb") as fh:
        fh.write(header)
        chunk = b"\x80" * (1 << 20)
        for _ in range(frames // len(chunk)):
            fh.write(chunk)
        fh.write(b"\x80" * (frames % len(chunk)))
    return path


@dataclass
class Bench:
    """The launched app, a role with two good clips, and the files bad inputs are made of."""

    app: object
    client: object
    folder: Path
    clip_ids: list[int]
    garbage: PlantedServer

    def file(self, name: str) -> str:
        return str(self.folder / name)

    def listing(self, name: str, content: bytes | str) -> str:
        path = self.folder / "lists" / name
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
        return str(path)

    def audio_line(self, audio: str, text: str = "a line of speech") -> str:
        return f"{self.file(audio)}|spk|en|{text}\n"


@pytest.fixture(scope="module")
def bench(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bad_input")
    garbage = start_planted_server(folder, {"default": Profile()}, mode="garbage")
    app = launch_planted_app(folder, [garbage])
    try:
        client = app.client()
        write_tone(folder / "a.wav", 4.0, seed=1)
        write_tone(folder / "b.wav", 5.0, seed=2)
        (folder / "not_audio.wav").write_text("this text file only pretends to be a wav", encoding="utf-8")
        (folder / "zero.wav").write_bytes(b"")
        (folder / "speech.txt").write_text("a transcript, not audio", encoding="utf-8")
        write_raw_wav(folder / "two_hours.wav", seconds=2 * 3600)
        samples = np.sin(np.arange(16000 * 4) / 10).astype(np.float32)
        samples[1000:1100] = np.nan
        soundfile.write(str(folder / "nan.wav"), samples, 16000, subtype="FLOAT")
        (folder / "fake_gpt.ckpt").write_bytes(b"not a model, only bytes" * 100)
        client.predict("目录", "基准", api_name="/create_role")
        good = (folder / "good.list")
        good.write_text(f"{folder / 'a.wav'}|spk|en|the first clip\n{folder / 'b.wav'}|spk|zh|第二条\n",
                        encoding="utf-8")
        assert client.predict(ROLE, str(good), True, api_name="/import_list")["imported"] == 2
        clip_ids = [c["id"] for c in client.predict(ROLE, api_name="/list_clips")["clips"]]
        yield Bench(app, client, folder, clip_ids, garbage)
    finally:
        app.stop()
        garbage.kill()


@dataclass(frozen=True)
class Bad:
    """One kind of bad input: the endpoint, its arguments (built from the bench) and the words the
    answer must contain (a regular expression). `refused` answers raise; `reported` imports answer
    with every line in "errors" and nothing imported."""

    name: str
    api: str
    args: Callable[[Bench], tuple]
    says: str
    reported: bool = False


def planted_sovits(b: Bench) -> Path:
    return planted_weights_dir(b.folder) / "SoVITS_weights_v2" / "planted_a.pth"


def spec(b: Bench, **fields) -> dict:
    return {"clip_ids": b.clip_ids[:1], "text_ids": [1], **fields}


CATALOGUE: tuple[Bad, ...] = (
    # --- .list files ---------------------------------------------------------------------------
    Bad("empty list file", "/import_list", lambda b: (ROLE, b.listing("empty.list", b"")), r"is empty"),
    Bad("blank lines only", "/import_list", lambda b: (ROLE, b.listing("blank.list", "\n \r\n\t\n")), r"is empty"),
    Bad("a wav renamed .list", "/import_list",
        lambda b: (ROLE, b.listing("wav.list", Path(b.file("a.wav")).read_bytes())),
        r"binary data"),
    Bad("random bytes", "/import_list",
        lambda b: (ROLE, b.listing("random.list", np.random.default_rng(3).bytes(8192))), r"binary data"),
    Bad("one 200,000-character line", "/import_list", lambda b: (ROLE, b.listing("long.list", "x" * 200_000)),
        r"no line .* is a clip .*expected path\|speaker\|lang\|text"),
    Bad("NUL bytes inside a line", "/import_list",
        lambda b: (ROLE, b.listing("nul.list", b.audio_line("a.wav", "he\x00llo") * 3)), r"binary data|NUL"),
    Bad("neither UTF-8 nor GBK", "/import_list",
        lambda b: (ROLE, b.listing("latin.list", b.file("a.wav").encode() + b"|s|en|\xff\xfe\xff\xfd\n")),
        r"binary data|neither UTF-8 nor GBK"),
    Bad("too few fields", "/import_list", lambda b: (ROLE, b.listing("few.list", "a.wav|only text\n")),
        r"expected path\|speaker\|lang\|text, found 2 field"),
    Bad("unknown language code", "/import_list",
        lambda b: (ROLE, b.listing("lang.list", f"{b.file('a.wav')}|s|klingon|text\n")), r"unknown language code"),
    Bad("empty transcript", "/import_list", lambda b: (ROLE, b.listing("notext.list", f"{b.file('a.wav')}|s|en|\n")),
        r"empty text"),
    Bad("audio file missing", "/import_list",
        lambda b: (ROLE, b.listing("missing.list", b.audio_line("gone.wav"))), r"audio file not found", reported=True),
    Bad("audio that is not audio", "/import_list",
        lambda b: (ROLE, b.listing("fake.list", b.audio_line("not_audio.wav"))), r"not a readable audio file",
        reported=True),
    Bad("0-byte wav", "/import_list", lambda b: (ROLE, b.listing("zero.list", b.audio_line("zero.wav"))),
        r"empty \(0 bytes\)", reported=True),
    Bad("2-hour wav", "/import_list", lambda b: (ROLE, b.listing("hours.list", b.audio_line("two_hours.wav"))),
        r"120 minutes long; a clip may last at most", reported=True),
    Bad("wav with NaN samples", "/import_list", lambda b: (ROLE, b.listing("nan.list", b.audio_line("nan.wav"))),
        r"NaN", reported=True),
    Bad("audio path to a text file", "/import_list",
        lambda b: (ROLE, b.listing("txt.list", b.audio_line("speech.txt"))), r"not a wav/flac/mp3/ogg", reported=True),
    Bad("list file missing", "/import_list", lambda b: (ROLE, b.file("no_such.list")), r"not found"),
    Bad("no list file given", "/import_list", lambda b: (ROLE, ""), r"no file given"),
    Bad("a folder as the list", "/import_list", lambda b: (ROLE, str(b.folder)), r"not found"),
    Bad("import into an unknown role", "/import_list", lambda b: ("没有-这个角色", b.file("good.list")),
        r"does not exist"),
    Bad("import into ../", "/import_list", lambda b: ("../outside", b.file("good.list")), r"'\.\.'|dot"),
    # --- roles ------------------------------------------------------------------------------------
    Bad("duplicate role", "/create_role", lambda b: ("目录", "基准"), r"already exists"),
    Bad("oversized role name", "/create_role", lambda b: ("类" * 300, "名"), r"300 characters long; at most 100"),
    Bad("path separator in a name", "/create_role", lambda b: ("a/b", "c"), r"not allowed in folder names"),
    Bad("Windows device name", "/create_role", lambda b: ("CON", "x"), r"reserved device name"),
    Bad("empty category", "/create_role", lambda b: ("", "x"), r"category is empty"),
    Bad("right-to-left override in a name", "/create_role", lambda b: ("x", "\u202egnp.exe"),
        r"invisible text-direction"),
    Bad("delete an unknown role", "/delete_role", lambda b: ("没有-这个角色",), r"does not exist"),
    Bad("list clips of ../etc", "/list_clips", lambda b: ("../etc",), r"'\.\.'|dot"),
    # --- clips -------------------------------------------------------------------------------------
    Bad("clip id that is text", "/update_clip", lambda b: (ROLE, "abc", "x"), r"clip_id must be a whole number"),
    Bad("unknown clip", "/update_clip", lambda b: (ROLE, 99999, "x"), r"clip 99999 not found"),
    Bad("blank clip text", "/update_clip", lambda b: (ROLE, b.clip_ids[0], "   "), r"cannot be empty"),
    Bad("100,000-character clip text", "/update_clip", lambda b: (ROLE, b.clip_ids[0], "字" * 100_000),
        r"100000 (characters|words) is implausible for this 4\.0 s clip"),
    Bad("unknown clip language", "/update_clip", lambda b: (ROLE, b.clip_ids[0], None, "klingon"),
        r"unknown language code"),
    # --- test texts -------------------------------------------------------------------------------
    Bad("100,000-character test text", "/add_text", lambda b: ("长" * 100_000, "zh", ""),
        r"100000 characters; at most"),
    Bad("empty test text", "/add_text", lambda b: ("  ", "en", ""), r"test text is empty"),
    Bad("unknown text language", "/add_text", lambda b: ("hello", "xx", ""), r"unknown language code 'xx'"),
    # --- task specs --------------------------------------------------------------------------------
    Bad("spec that is not JSON", "/create_task", lambda b: (ROLE, "{oops"), r"not valid JSON"),
    Bad("spec that is a list", "/create_task", lambda b: (ROLE, [1, 2]), r"must be a JSON object"),
    Bad("unknown spec key", "/create_task", lambda b: (ROLE, spec(b, clips=[1])), r"unknown spec key\(s\) clips"),
    Bad("unknown parameter", "/create_task", lambda b: (ROLE, spec(b, vary={"volume": [1, 2]})),
        r"unknown parameter 'volume'"),
    Bad("wrong type for top_k", "/create_task", lambda b: (ROLE, spec(b, vary={"top_k": ["many"]})),
        r"top_k: 'many' is not a valid int"),
    Bad("clip ids as text", "/create_task", lambda b: (ROLE, {"clip_ids": "1,2", "text_ids": [1]}),
        r"clip_ids must be a list of ids"),
    Bad("unknown clip in a task", "/create_task", lambda b: (ROLE, spec(b, clip_ids=[424242])), r"424242.*not found"),
    Bad("unknown test text", "/create_task", lambda b: (ROLE, spec(b, text_ids=[424242])), r"424242"),
    Bad("huge range", "/create_task",
        lambda b: (ROLE, spec(b, vary={"seed": {"start": 0, "stop": 1e12, "step": 1}})), r"at most 1000"),
    Bad("range to infinity", "/create_task",
        lambda b: (ROLE, spec(b, vary={"top_p": "0.1:inf:0.1"})), r"finite numbers"),
    Bad("range without a step", "/create_task", lambda b: (ROLE, spec(b, vary={"top_k": {"start": 1, "stop": 9}})),
        r"needs start, stop and step \(missing step\)"),
    Bad("grid too large to build", "/create_task",
        lambda b: (ROLE, spec(b, combine="grid", vary={p: {"start": 1, "stop": 1000, "step": 1}
                                                       for p in ("top_k", "seed", "batch_size")})),
        r"1000000000 parameter sets; at most"),
    Bad("more jobs than allowed", "/create_task",
        lambda b: (ROLE, spec(b, combine="grid", vary={"top_k": "1:100:1", "seed": "1:300:1"})),
        r"30000 jobs; the limit is 20000"),
    Bad("negative top_k", "/create_task", lambda b: (ROLE, spec(b, base={"top_k": -5})), r"top_k"),
    Bad("negative batch size", "/create_task", lambda b: (ROLE, spec(b, base={"batch_size": -1})), r"batch_size"),
    Bad("unknown combine mode", "/create_task", lambda b: (ROLE, spec(b, combine="cartesian")),
        r"combine must be 'each' or 'grid'"),
    Bad("weights that are not a model", "/create_task",
        lambda b: (ROLE, spec(b, base={"gpt": b.file("fake_gpt.ckpt")})), r"fake_gpt\.ckpt"),
    Bad("SoVITS weights given as GPT weights", "/create_task",
        lambda b: (ROLE, spec(b, base={"gpt": str(planted_sovits(b))})),
        r"planted_a\.pth"),
    Bad("unknown weights name", "/create_task", lambda b: (ROLE, spec(b, base={"sovits": "nobody_e8_s100"})),
        r"not found"),
    # --- reference finder -------------------------------------------------------------------------
    Bad("unknown finder spec key", "/find_reference", lambda b: (ROLE, {"clips": [1]}), r"unknown spec key"),
    Bad("finder shortlist of 0", "/find_reference", lambda b: (ROLE, {"shortlist": 0}),
        r"shortlist must be at least 1"),
    Bad("finder seed chosen by hand", "/find_reference", lambda b: (ROLE, {"base": {"seed": 3}}), r"base\.seed"),
    Bad("unknown finder run", "/find_reference_status", lambda b: (ROLE, 424242), r"finder run 424242 not found"),
    Bad("force a clip into an unknown run", "/force_finder_clip", lambda b: (ROLE, 424242, b.clip_ids[0], True),
        r"finder run 424242 not found"),
    Bad("blind comparison of an unknown run", "/finder_compare_blind", lambda b: (ROLE, 424242),
        r"finder run 424242 not found"),
    Bad("delete an unknown finder run", "/delete_finder_run", lambda b: (ROLE, 424242), r"finder run 424242 not found"),
    Bad("keep a checkpoint candidate of an unknown run", "/checkpoint_to_product", lambda b: (ROLE, 424242, "", None),
        r"finder run 424242 not found"),
    Bad("checkpoint candidate that is text", "/checkpoint_to_product", lambda b: (ROLE, 424242, "", "e15"),
        r"candidate must be a whole number"),
    # --- results and scores ---------------------------------------------------------------------
    Bad("SQL-looking sort key", "/list_results", lambda b: (ROLE, 1, "duration; DROP TABLE job", 1, 50),
        r"unknown sort 'duration; DROP TABLE job'"),
    Bad("task id that is text", "/list_results", lambda b: (ROLE, "x", "duration", 1, 50),
        r"task_id must be a whole number"),
    Bad("unknown task", "/task_status", lambda b: (ROLE, 424242), r"424242"),
    Bad("score out of range", "/score_result", lambda b: (ROLE, 1, 9, ""), r"outside 0-5|not found"),
    Bad("score NaN", "/score_result", lambda b: (ROLE, 1, "NaN", ""), r"score must be a finite number"),
    # --- audio to analyse ----------------------------------------------------------------------------
    Bad("analyze a text file", "/analyze_audio", lambda b: (b.file("good.list"), "hi", "en"),
        r"cannot read audio file .*good\.list: damaged, or not audio at all"),
    Bad("analyze a 0-byte wav", "/analyze_audio", lambda b: (b.file("zero.wav"), "hi", "en"),
        r"cannot read audio file .*zero\.wav: it is empty \(0 bytes\)"),
    Bad("analyze with an unknown language", "/analyze_audio", lambda b: (b.file("a.wav"), "hi", "xx"),
        r"unknown language code"),
    # --- long text and its autopilot ----------------------------------------------------------------
    Bad("long text that is empty", "/long_text", lambda b: (ROLE, [1], "   ", {}), r"long text is empty"),
    Bad("long text from an unknown result", "/long_text", lambda b: (ROLE, [424242], "Hello there.", {}),
        r"result 424242 not found"),
    Bad("long text with zero tries", "/long_text", lambda b: (ROLE, [1], "Hello there.", {"max_tries": 0}),
        r"max_tries must be within 1-10"),
    Bad("long text with an unknown option", "/long_text", lambda b: (ROLE, [1], "Hello there.", {"speed": 2}),
        r"unknown autopilot options \['speed'\]"),
    Bad("status of an unknown long-text run", "/long_text_status", lambda b: (ROLE, 424242),
        r"long-text run 424242 not found"),
    Bad("choose a take in an unknown run", "/choose_take", lambda b: (ROLE, 424242, 1, 0, 1),
        r"long-text run 424242 not found"),
    Bad("autopilot of an unknown product", "/set_product_autopilot", lambda b: (ROLE, 424242, 3, {}),
        r"product 424242 not found"),
    # --- products and archives -------------------------------------------------------------------
    Bad("tts with an unknown product", "/tts", lambda b: ("没有的成品", "hello", "en"), r"no product named"),
    Bad("product from an unknown result", "/create_product", lambda b: (ROLE, 424242, "p"), r"424242 not found"),
    Bad("export an unknown role", "/export_role", lambda b: ("没有-这个角色",), r"does not exist"),
    Bad("import a role from a non-archive", "/import_role", lambda b: (b.file("good.list"), ""), r"not a zip"),
)


def table_rows(db: Path) -> dict[str, list]:
    with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {n: conn.execute(f'SELECT * FROM "{n}" ORDER BY rowid').fetchall() for n in names}


def stored_state(app) -> dict:
    """Every row of every DB and every file (by content) under the roles folder."""
    roles_dir = Path(app.roles_dir)
    files = {p.relative_to(roles_dir).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
             for p in roles_dir.rglob("*") if p.is_file() and not p.name.startswith("role.db")}
    dbs = {p.parent.name: table_rows(p) for p in roles_dir.glob("*/role.db")}
    return {"files": files, "roles": dbs, "main": table_rows(roles_dir.parent / "ras.db")}


def assert_up(client) -> None:
    assert ROLE in [r["role"] for r in client.predict(api_name="/list_roles")["roles"]]


def assert_user_words(message: str, says: str) -> None:
    assert re.search(says, message, re.IGNORECASE | re.DOTALL), message[:500]
    assert "Traceback" not in message and "File \"" not in message, message[:500]
    assert len(message) < 1500, f"{len(message)} characters: {message[:300]}"


def test_the_catalogue_is_large_and_its_names_unique():
    assert len(CATALOGUE) >= 40
    assert len({case.name for case in CATALOGUE}) == len(CATALOGUE)


@pytest.mark.parametrize("case", CATALOGUE, ids=[case.name for case in CATALOGUE])
def test_bad_input_is_named_and_changes_nothing(bench, case):
    from gradio_client.exceptions import AppError

    before = stored_state(bench.app)
    log_before = len(bench.app.log())
    args = case.args(bench)
    if case.reported:
        report = bench.client.predict(*args, api_name=case.api)
        assert report["imported"] == 0 and report["errors"], report
        for error in report["errors"]:
            assert_user_words(error["reason"], case.says)
    else:
        with pytest.raises(AppError) as refused:
            bench.client.predict(*args, api_name=case.api)
        assert_user_words(str(refused.value), case.says)
    assert_up(bench.client)
    assert stored_state(bench.app) == before
    # a user's mistake is one line in the server's log, not a crash with a traceback
    assert "Traceback" not in bench.app.log()[log_before:], bench.app.log()[log_before:][-3000:]


# --- bad input that is taken, and must be taken right ---------------------------------------------

def fresh_role(bench, name: str) -> str:
    return bench.client.predict("目录", name, api_name="/create_role")["role"]


def test_mixed_encodings_are_read_line_by_line(bench):
    role = fresh_role(bench, "编码")
    write_tone(bench.folder / "c.wav", 4.5, seed=5)
    content = (f"{bench.file('a.wav')}|s|zh|这一行是 UTF-8\n".encode()
               + f"{bench.file('c.wav')}|s|zh|这一行是 GBK\n".encode("gbk"))
    report = bench.client.predict(role, bench.listing("mixed.list", content), True, api_name="/import_list")
    assert (report["imported"], report["errors"]) == (2, [])
    texts = [c["text"] for c in bench.client.predict(role, api_name="/list_clips")["clips"]]
    assert texts == ["这一行是 UTF-8", "这一行是 GBK"]


def test_notepad_unicode_list_is_read(bench):
    role = fresh_role(bench, "记事本")
    content = b"\xff\xfe" + bench.audio_line("a.wav", "saved as Unicode by Notepad").encode("utf-16-le")
    report = bench.client.predict(role, bench.listing("utf16.list", content), True, api_name="/import_list")
    assert report["imported"] == 1


def test_a_transcript_implausible_for_its_clip_is_marked_invalid_with_the_reason(bench):
    role = fresh_role(bench, "长文本")
    huge = "这是一段不属于这条音频的文本" * 14_300  # 200,200 characters for a 4-second clip
    listing = bench.listing("huge_text.list", bench.audio_line("a.wav", huge) + bench.audio_line("b.wav", "fits"))
    assert bench.client.predict(role, listing, True, api_name="/import_list")["imported"] == 2
    clips = {c["text"][:4]: c for c in bench.client.predict(role, api_name="/list_clips")["clips"]}
    assert clips["fits"]["valid"] and clips["fits"]["invalid_reason"] == ""
    assert not clips["这是一段"]["valid"]
    assert re.search(r"200200 (characters|words), implausible for 4\.0 s", clips["这是一段"]["invalid_reason"])


def test_100000_lines_half_bad_are_all_accounted_for(bench):
    role = fresh_role(bench, "十万行")
    good, bad = bench.audio_line("a.wav"), "broken line without fields\n"
    listing = bench.listing("big.list", (good + bad) * 50_000)
    started = time.monotonic()
    report = bench.client.predict(role, listing, True, api_name="/import_list")
    took = time.monotonic() - started
    assert (report["imported"], report["duplicates"], report["errors_total"]) == (1, 49_999, 50_000)
    assert len(report["errors"]) == 1000 and report["errors"][0] == {
        "line": 2, "reason": "expected path|speaker|lang|text, found 1 field(s)"}
    assert took < 120, f"100,000 lines took {took:.0f} s"


def test_emoji_and_right_to_left_text_are_stored_exactly(bench):
    content = "مرحبا بالعالم 👋🏽 hello 👨‍👩‍👧 עולם"
    text_id = bench.client.predict(content, "auto", "emoji", api_name="/add_text")["id"]
    stored = {t["id"]: t for t in bench.client.predict(api_name="/list_texts")["texts"]}[text_id]
    assert stored["content"] == content
    role = fresh_role(bench, "表情😀")
    assert role == "目录-表情😀" and (Path(bench.app.roles_dir) / role / "role.db").is_file()


def failed_reason(bench, role: str, task_id: int) -> str:
    wait_for(lambda: (s := bench.client.predict(role, task_id, api_name="/task_status"))["failed"] == s["total"],
             timeout=180, what="the job to fail")
    return bench.client.predict(role, task_id, "id", 1, 50, api_name="/list_results")["results"][0]["error"]


def test_an_engine_that_answers_garbage_fails_the_job_with_the_reason(bench):
    role = fresh_role(bench, "坏引擎")
    listing = bench.listing("engine.list", bench.audio_line("a.wav", "reference speech"))
    bench.client.predict(role, listing, True, api_name="/import_list")
    task = bench.client.predict(role, {"clip_ids": [1], "text_ids": [1], "base": {"seed": 1}}, api_name="/create_task")
    bench.client.predict(role, task["task_id"], api_name="/run_task")
    reason = failed_reason(bench, role, task["task_id"])
    assert "not a wav file" in reason and bench.garbage.url in reason
    audio_files = [p for p in (Path(bench.app.roles_dir) / role).rglob("*") if p.is_file() and "results" in p.parts]
    assert audio_files == []  # no half result left behind
    assert_up(bench.client)


def test_an_unreachable_engine_is_named_and_its_jobs_wait_for_it(tmp_path):
    server = start_planted_server(tmp_path, {"default": Profile()})
    app = launch_planted_app(tmp_path, [server], "--job-timeout", "20")
    try:
        server.kill()  # gone before the first job: nothing listens at its address
        client = app.client()
        write_tone(tmp_path / "r.wav", 4.0, seed=6)
        (tmp_path / "r.list").write_text(f"{tmp_path / 'r.wav'}|s|en|reference\n", encoding="utf-8")
        role = client.predict("目录", "断线", api_name="/create_role")["role"]
        client.predict(role, str(tmp_path / "r.list"), True, api_name="/import_list")
        task_id = client.predict(role, {"clip_ids": [1], "text_ids": [1]}, api_name="/create_task")["task_id"]
        client.predict(role, task_id, api_name="/run_task")
        status = wait_for(lambda: (s := client.predict(role, task_id, api_name="/task_status"))["engines"][0]["state"]
                          == "down" and s, timeout=240, what="the engine to be reported down")
        reason = status["engines"][0]["reason"]
        assert server.url in reason and "unreachable" in reason
        # the job is not thrown away: it waits for the server (or another engine) to answer
        assert (status["failed"], status["done"], status["queued"] + status["running"]) == (0, 0, 1)
        assert client.predict(api_name="/list_roles")["roles"]
    finally:
        app.stop()


# --- a handful through the page -------------------------------------------------------------------

@dataclass(frozen=True)
class BadInPage:
    name: str
    fill: Callable[[Bench], dict[str, str]]  # elem_id -> value typed into it
    tab: str
    button: str
    says: str


PAGE_CATALOGUE: tuple[BadInPage, ...] = (
    BadInPage("path separator in a category", lambda b: {"roles_category": "a/b", "roles_name": "c"}, "roles",
              "roles_create", "not allowed in folder names"),
    BadInPage("duplicate role", lambda b: {"roles_category": "目录", "roles_name": "基准"}, "roles", "roles_create",
              "already exists"),
    BadInPage("empty .list", lambda b: {"import_server_path": b.listing("page_empty.list", b"")}, "import",
              "import_run", "is empty"),
    BadInPage("binary .list", lambda b: {"import_server_path": b.listing("page_bin.list", bytes(range(256)) * 64)},
              "import", "import_run", "binary data"),
    BadInPage("100,000-character test text", lambda b: {"texts_content": "长" * 100_000}, "texts", "texts_add",
              "at most 2000"),
)


@pytest.mark.browser
def test_bad_input_in_the_page_shows_the_reason_and_changes_nothing(bench, page):
    from tests.fixtures.browser import open_tab, screenshot

    page.set_default_timeout(120_000)  # a busy machine builds the page slowly
    page.goto(bench.app.url)
    page.wait_for_selector("#header_role")
    for case in PAGE_CATALOGUE:
        before = stored_state(bench.app)
        open_tab(page, case.tab)
        for elem_id, value in case.fill(bench).items():
            page.fill(f"#{elem_id} textarea, #{elem_id} input", value)
        page.click(f"#{case.button}")
        page.wait_for_function(
            "txt => [...document.querySelectorAll('.toast-wrap')].some(el => el.innerText.includes(txt))",
            arg=case.says, timeout=60_000)
        screenshot(page, f"bad_input_{case.button}")
        page.evaluate("() => document.querySelectorAll('.toast-close').forEach(b => b.click())")
        assert stored_state(bench.app) == before, case.name
    assert_up(bench.client)
