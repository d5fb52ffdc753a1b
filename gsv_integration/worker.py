"""GPT-SoVITS worker process: GPT-SoVITS's own TTS pipeline behind a pipe.

Started by LocalEngine as
    <gsv_python> -u /abs/path/gsv_integration/worker.py [--config JSON]
with the working directory set to the GPT-SoVITS root. It runs in
GPT-SoVITS's interpreter, so it imports only the standard library, numpy,
soundfile and GPT-SoVITS (plus request.py / weights.py, loaded by file path).

Protocol: JSON lines. Requests on stdin:
    {"op": "synthesize", "job_id": ..., "request": {...}, "out_path": ...}
    {"op": "ping"}   {"op": "exit"}
Events on the original stdout (fd 1 itself is pointed at stderr, so
GPT-SoVITS's prints never corrupt the protocol):
    ready {versions, capabilities, device, ...}   fatal {message}
    heartbeat {job_id, stage} about once a second, from a thread
    done {job_id, sample_rate, samples, timings, loaded_gpt, loaded_sovits,
          encoded_ref, counts}
    error {job_id, kind: input|runtime, message}   pong
Settings (--config JSON or env RAS_WORKER_CONFIG): device ("auto", "cpu",
"cuda", "cuda:1"), is_half (null = on for CUDA), bert_path, hubert_path
(default: GPT-SoVITS's own pretrained_models paths under the root),
gpt_weights / sovits_weights (load at start), heartbeat_s, torch_threads,
state_dir (a scratch folder, where GPT-SoVITS's config copy is written),
freeze_heap (default true: see HeapFreezer).

Test-only fault injection (environment variables):
    RAS_WORKER_TEST_HANG_MARKER=xyz  text containing xyz blocks the job AND
        the heartbeat thread forever (a GPU driver hang: no sign of life).
    RAS_WORKER_TEST_SLOW_MARKER=xyz  text containing xyz blocks the job
        forever while heartbeats go on (a job that never finishes).
"""
from __future__ import annotations

import gc
import importlib.util
import json
import os
import shutil
import sys
import threading
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
RAS_ROOT = os.path.dirname(HERE)
DEFAULT_BERT = "GPT_SoVITS/pretrained_models/chinese-roberta-wwm-ext-large"
DEFAULT_HUBERT = "GPT_SoVITS/pretrained_models/chinese-hubert-base"


def clean_sys_path() -> None:
    """Keep RAS's folders off sys.path: the GPT-SoVITS wheel has top-level
    modules (tools, config, api, webui) that RAS's names must not shadow."""
    ours = {os.path.realpath(p) for p in (HERE, RAS_ROOT)}
    sys.path[:] = [p for p in sys.path if p and os.path.realpath(p) not in ours]


def load_sibling(name: str):
    """Import request.py / weights.py by path under private module names."""
    module_name = f"_ras_gsv_{name}"
    spec = importlib.util.spec_from_file_location(module_name, os.path.join(HERE, f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module  # dataclasses look the module up
    spec.loader.exec_module(module)
    return module


class InputProblem(Exception):
    """The request cannot work: reported as kind "input" (no retry)."""


class Channel:
    """The private protocol pipe; fd 1 becomes stderr for everyone else."""

    def __init__(self):
        self._out = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
        os.dup2(2, 1)
        self._lock = threading.Lock()

    def send(self, event: str, **fields) -> None:
        line = json.dumps({"event": event, **fields}, ensure_ascii=False, default=str)
        with self._lock:
            self._out.write(line + "\n")
            self._out.flush()


class HeapFreezer:
    """Keeps the long-lived heap out of the collection TTS.run ends every job with.

    TTS.run's empty_cache() calls gc.collect(), which walks every tracked
    object: with the models, G2P dictionaries and text front-end loaded that is
    ~700k objects, 0.15-0.8 s per job on a CPU, for nothing (they live as long
    as the process). gc.freeze() moves the objects alive after a job into the
    permanent generation, which collections skip; the front-end loads parts
    lazily on a language's first job, hence a freeze after every job, not only
    after the models load. A frozen object freed by reference counting is
    still freed; only frozen garbage in reference cycles would wait, so a full
    sweep (unfreeze, collect, freeze) runs around every weight load and every
    SWEEP_EVERY jobs. Collection never changes what is computed: the audio is
    the same with or without it.
    """

    SWEEP_EVERY = 50

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.jobs_since_sweep = 0

    def after_job(self) -> None:
        if not self.enabled:
            return
        self.jobs_since_sweep += 1
        if self.jobs_since_sweep >= self.SWEEP_EVERY:
            self.sweep()
        else:
            gc.freeze()

    def sweep(self) -> None:
        if self.enabled:
            gc.unfreeze()
            gc.collect()
            gc.freeze()
            self.jobs_since_sweep = 0

    def before_load(self) -> None:
        """The old model is unreachable now: make it collectable and collect it
        before the new one is built, so a switch never holds both."""
        if self.enabled:
            gc.unfreeze()
            gc.collect()

    def frozen_objects(self) -> int:
        return gc.get_freeze_count()


class Status:
    def __init__(self):
        self.job_id = None
        self.stage = "starting"
        self.heartbeats_blocked = threading.Event()


def start_heartbeat(channel: Channel, status: Status, interval: float) -> None:
    def beat():
        while True:
            time.sleep(interval)
            if status.heartbeats_blocked.is_set():
                threading.Event().wait()  # simulated hang: never beats again
            channel.send("heartbeat", job_id=status.job_id, stage=status.stage, t=time.time())
    threading.Thread(target=beat, name="heartbeat", daemon=True).start()


def read_settings(argv: list[str]) -> dict:
    raw = os.environ.get("RAS_WORKER_CONFIG", "")
    if "--config" in argv:
        raw = argv[argv.index("--config") + 1]
    settings = json.loads(raw) if raw else {}
    settings.setdefault("device", "auto")
    settings.setdefault("is_half", None)
    settings.setdefault("bert_path", DEFAULT_BERT)
    settings.setdefault("hubert_path", DEFAULT_HUBERT)
    settings.setdefault("heartbeat_s", 1.0)
    return settings


def use_gsv_code(data_root: str) -> str:
    """Put GPT-SoVITS's code on sys.path the way its own scripts do.

    A GPT-SoVITS folder (checkout / integration package) has the code under
    the root; otherwise use the installed PyPI build, which reads its data
    (pretrained models, sv model) from GPT_SOVITS_DATA_DIR, default CWD.
    """
    if os.path.isdir(os.path.join(data_root, "GPT_SoVITS", "TTS_infer_pack")):
        code_root = data_root
    else:
        spec = importlib.util.find_spec("gpt_sovits_cpufast")
        if spec is None or not spec.origin:
            raise RuntimeError(f"{data_root} has no GPT_SoVITS/TTS_infer_pack and this interpreter "
                               f"({sys.executable}) has no gpt-sovits-cpufast package: point "
                               f"--gsv-root at a GPT-SoVITS folder")
        code_root = os.path.dirname(os.path.dirname(spec.origin))
    os.environ["GPT_SOVITS_DATA_DIR"] = data_root
    for path in (code_root, os.path.join(code_root, "GPT_SoVITS")):
        if path not in sys.path:
            sys.path.insert(0, path)
    return code_root


class Pipeline:
    """One GPT-SoVITS TTS object; loads weights and encodes references only on change."""

    def __init__(self, *, settings: dict, status: Status, weights, request_module, state_dir: str):
        import torch

        self.settings, self.status, self.weights = settings, status, weights
        self.request_module, self.state_dir = request_module, state_dir
        self.device = self._pick_device(torch)
        self.is_half = settings["is_half"] if settings["is_half"] is not None else "cuda" in self.device
        self.tts = None
        self.gpt_path = self.sovits_path = None
        self.counts = {"gpt_loads": 0, "sovits_loads": 0, "ref_encodes": 0, "jobs": 0}
        self._encoded_this_job = False
        self.heap = HeapFreezer(bool(settings.get("freeze_heap", True)))

    def _pick_device(self, torch) -> str:
        device = self.settings["device"]
        if device == "auto":
            return "cuda" if torch.cuda.is_available() else "cpu"
        return device

    # ---------------------------------------------------------------- weights
    def _check_weight(self, path: str, kind: str) -> str:
        try:
            return self.weights.describe_weight(path, kind=kind)["file"]
        except self.weights.NotAModelError as exc:
            raise InputProblem(str(exc)) from exc

    def ensure_weights(self, gpt: str, sovits: str, timings: dict) -> tuple[bool, bool]:
        gpt = self._check_weight(gpt, "gpt") if gpt else self.gpt_path
        sovits = self._check_weight(sovits, "sovits") if sovits else self.sovits_path
        if not gpt or not sovits:
            field = "gpt_weights" if not gpt else "sovits_weights"
            raise InputProblem(f"SynthesisRequest.{field} is empty and no weights are loaded yet: "
                               f"choose a {'GPT .ckpt' if not gpt else 'SoVITS .pth'} file")
        if self.tts is None:
            self._build(gpt, sovits, timings)
            return True, True
        loaded_gpt = gpt != self.gpt_path and self._load("gpt", gpt, timings)
        loaded_sovits = sovits != self.sovits_path and self._load("sovits", sovits, timings)
        return loaded_gpt, loaded_sovits

    def _build(self, gpt: str, sovits: str, timings: dict) -> None:
        from TTS_infer_pack.TTS import TTS, TTS_Config

        self.status.stage = "loading_models"
        started = time.perf_counter()
        config = TTS_Config({"custom": {
            "device": self.device, "is_half": self.is_half, "version": "v2",
            "t2s_weights_path": gpt, "vits_weights_path": sovits,
            "bert_base_path": self.settings["bert_path"],
            "cnhuhbert_base_path": self.settings["hubert_path"]}})
        # TTS saves its config on every weight load; keep the user's own
        # GPT_SoVITS/configs/tts_infer.yaml untouched.
        config.configs_path = os.path.join(self.state_dir, "tts_infer.yaml")
        self.tts = self._guard_load(lambda: TTS(config), f"{gpt} / {sovits}")
        self.heap.sweep()
        self._count_reference_encodes()
        self.gpt_path, self.sovits_path = gpt, sovits
        self.counts["gpt_loads"] += 1
        self.counts["sovits_loads"] += 1
        timings["load_base_s"] = time.perf_counter() - started

    def _load(self, kind: str, path: str, timings: dict) -> bool:
        self.status.stage = f"loading_{kind}"
        started = time.perf_counter()
        if kind == "gpt":
            self.gpt_path = None  # unknown state until the load succeeds
            self.tts.t2s_model = None
            self.heap.before_load()
            try:
                self._guard_load(lambda: self.tts.init_t2s_weights(path), path)
            finally:
                self.heap.sweep()
            self.gpt_path = path
        else:
            self.sovits_path = None
            self.tts.vits_model = None
            self._forget_reference()  # the cached reference came from the old model
            self.heap.before_load()
            try:
                self._guard_load(lambda: self.tts.init_vits_weights(path), path)
            finally:
                self.heap.sweep()
            self.sovits_path = path
        self.counts[f"{kind}_loads"] += 1
        timings[f"load_{kind}_s"] = time.perf_counter() - started
        return True

    @staticmethod
    def _guard_load(load, what: str):
        try:
            return load()
        except (OSError, ValueError, KeyError, RuntimeError, EOFError) as exc:
            if any(word in str(exc).lower() for word in ("out of memory", "cuda")):
                raise  # the device's fault, not the file's
            raise InputProblem(f"cannot load weights {what}: {type(exc).__name__}: {exc}. "
                               f"Check that the file is a complete GPT-SoVITS weight file.") from exc

    # ---------------------------------------------------------------- reference cache
    def _forget_reference(self) -> None:
        """TTS caches the reference's semantic tokens and spectrograms by path
        only; they come from the SoVITS model, so a new SoVITS must re-encode."""
        cache = self.tts.prompt_cache
        cache["ref_audio_path"] = None
        cache["prompt_text"] = None  # phones depend on the model's symbol version
        cache["aux_ref_audio_paths"] = [None]  # never equal to a request's list

    def _count_reference_encodes(self) -> None:
        tts = self.tts
        set_ref_audio, get_ref_spec = tts.set_ref_audio, tts._get_ref_spec

        def encoding(original):
            def wrapper(path):
                self._encoded_this_job = True
                self.status.stage = "encoding_ref"
                try:
                    return original(path)
                finally:
                    self.status.stage = "synthesizing"
            return wrapper
        tts.set_ref_audio = encoding(set_ref_audio)
        tts._get_ref_spec = encoding(get_ref_spec)

    # ---------------------------------------------------------------- one job
    def synthesize(self, request, out_path: str) -> dict:
        started = time.perf_counter()
        timings: dict[str, float] = {}
        check_reference_files(request, (self.request_module.REF_MIN_SECONDS, self.request_module.REF_MAX_SECONDS))
        loaded_gpt, loaded_sovits = self.ensure_weights(request.gpt_weights, request.sovits_weights,
                                                        timings)
        inputs = request.to_tts_inputs()
        if inputs["text_lang"] not in self.tts.configs.languages:
            raise InputProblem(f"SynthesisRequest.text_lang={request.text_lang!r} is not supported by "
                               f"{self.tts.configs.version} models: use one of "
                               f"{', '.join(self.tts.configs.languages)}")
        self._encoded_this_job = False
        synth_started = time.perf_counter()
        sample_rate, audio = self._run(inputs)
        timings["synth_s"] = time.perf_counter() - synth_started
        self.status.stage = "writing"
        write_wav(out_path, audio, sample_rate)
        self.counts["jobs"] += 1
        self.counts["ref_encodes"] += int(self._encoded_this_job)
        self.heap.after_job()
        timings["total_s"] = time.perf_counter() - started
        return {"sample_rate": int(sample_rate), "samples": int(len(audio)), "timings": timings,
                "loaded_gpt": loaded_gpt, "loaded_sovits": loaded_sovits,
                "encoded_ref": self._encoded_this_job, "counts": dict(self.counts),
                "version": self.tts.configs.version}

    def _run(self, inputs: dict):
        import numpy as np

        self.status.stage = "synthesizing"
        test_fault(inputs["text"], self.status)
        chunks, sample_rate = [], None
        try:
            for chunk_rate, chunk in self.tts.run(inputs):
                sample_rate = chunk_rate
                chunks.append(chunk)
        except (OSError, ValueError, AssertionError) as exc:
            raise InputProblem(f"GPT-SoVITS refused the request: {type(exc).__name__}: {exc}") from exc
        audio = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int16)
        if sample_rate == 16000 and not audio.any():
            # TTS.run's answer to text with nothing to speak: 1 s of silence.
            raise InputProblem(f"SynthesisRequest.text={inputs['text']!r} has nothing GPT-SoVITS "
                               f"can speak in language {inputs['text_lang']!r}")
        return sample_rate, audio


def check_reference_files(request, ref_seconds: tuple[float, float]) -> None:
    """ref_seconds: the (shortest, longest) reference TTS accepts (request.py's REF_MIN/MAX_SECONDS)."""
    import soundfile

    paths = [("ref_audio_path", request.ref_audio_path)]
    paths += [("aux_ref_audio_paths", p) for p in request.aux_ref_audio_paths]
    for field, path in paths:
        if not os.path.isfile(path):
            raise InputProblem(f"SynthesisRequest.{field}: reference audio {path} does not exist: "
                               f"fix the clip's path or re-import it")
        try:
            seconds = soundfile.info(path).duration
        except RuntimeError as exc:
            raise InputProblem(f"SynthesisRequest.{field}: {path} is not readable audio ({exc})") from exc
        shortest, longest = ref_seconds
        if field == "ref_audio_path" and not shortest <= seconds <= longest:
            raise InputProblem(f"SynthesisRequest.ref_audio_path: {path} lasts {seconds:.2f} s; "
                               f"GPT-SoVITS needs a {shortest:g}-{longest:g} s reference: pick or cut another clip")


def write_wav(out_path: str, audio, sample_rate: int) -> None:
    import soundfile

    # format given: the supervisor's temp name need not end in .wav
    soundfile.write(out_path, audio, int(sample_rate), format="WAV", subtype="PCM_16")


def test_fault(text: str, status: Status) -> None:
    hang = os.environ.get("RAS_WORKER_TEST_HANG_MARKER")
    slow = os.environ.get("RAS_WORKER_TEST_SLOW_MARKER")
    if hang and hang in text:
        status.heartbeats_blocked.set()
        threading.Event().wait()
    if slow and slow in text:
        threading.Event().wait()


def handle(message: dict, pipeline: Pipeline, channel: Channel, status: Status) -> bool:
    """Run one protocol message; False means exit."""
    op = message.get("op")
    if op == "exit":
        return False
    if op == "ping":
        channel.send("pong", counts=pipeline.counts, frozen_objects=pipeline.heap.frozen_objects())
        return True
    job_id = message.get("job_id")
    if op != "synthesize":
        channel.send("error", job_id=job_id, kind="input", message=f"unknown op {op!r}")
        return True
    status.job_id, status.stage = job_id, "preparing"
    try:
        request = pipeline.request_module.SynthesisRequest.from_dict(message["request"])
        result = pipeline.synthesize(request, message["out_path"])
        channel.send("done", job_id=job_id, **result)
    except (InputProblem, ValueError) as exc:
        channel.send("error", job_id=job_id, kind="input", message=str(exc))
    except Exception as exc:  # noqa: BLE001 - anything else is the engine's fault: retryable
        traceback.print_exc()
        channel.send("error", job_id=job_id, kind="runtime",
                     message=f"{type(exc).__name__}: {exc}", traceback=traceback.format_exc())
    finally:
        status.job_id, status.stage = None, "idle"
    return True


def main(argv: list[str]) -> int:
    clean_sys_path()
    channel, status = Channel(), Status()
    settings = read_settings(argv)
    start_heartbeat(channel, status, float(settings["heartbeat_s"]))
    try:
        pipeline = start_pipeline(settings, status)
    except Exception as exc:  # noqa: BLE001 - whatever stops start-up is reported to the app as fatal
        traceback.print_exc()
        channel.send("fatal", message=f"{type(exc).__name__}: {exc}")
        return 1
    status.stage = "idle"
    channel.send("ready", pid=os.getpid(), python=sys.executable, cwd=os.getcwd(),
                 device=pipeline.device, is_half=pipeline.is_half, counts=pipeline.counts,
                 sys_path=sys.path, gsv_modules=gsv_module_files(),
                 capabilities=pipeline.capabilities)
    for line in sys.stdin:
        if line.strip() and not handle(json.loads(line), pipeline, channel, status):
            break
    shutil.rmtree(pipeline.state_dir, ignore_errors=True)
    # Nothing to save: skip torch's slow interpreter teardown (seconds).
    sys.stderr.flush()
    os._exit(0)


def existing_model_folder(path: str, name: str) -> str:
    # TTS_Config silently falls back to other paths when one is missing.
    if not os.path.isdir(path):
        raise RuntimeError(f"{name} {os.path.abspath(path)} does not exist: download GPT-SoVITS's "
                           f"pretrained models into the GPT-SoVITS folder ({os.getcwd()}) or "
                           f"set {name} in the worker config")
    return os.path.abspath(path)


def gsv_module_files() -> dict[str, str]:
    """Where GPT-SoVITS's clash-prone top-level modules came from (for the log)."""
    files = {}
    for name in ("tools", "TTS_infer_pack", "text"):
        module = sys.modules.get(name)
        files[name] = getattr(module, "__file__", None) or str(list(getattr(module, "__path__", [])))
    return files


def start_pipeline(settings: dict, status: Status) -> Pipeline:
    import tempfile

    data_root = os.getcwd()
    code_root = use_gsv_code(data_root)
    for name in ("bert_path", "hubert_path"):
        settings[name] = existing_model_folder(settings[name], name)
    weights, request_module = load_sibling("weights"), load_sibling("request")
    import torch

    if settings.get("torch_threads"):
        torch.set_num_threads(int(settings["torch_threads"]))
    import TTS_infer_pack.TTS  # noqa: F401  fail at start, not on the first job

    status.stage = "idle"
    pipeline = Pipeline(settings=settings, status=status, weights=weights,
                        request_module=request_module,
                        state_dir=settings.get("state_dir") or tempfile.mkdtemp(prefix="ras-gsv-worker-"))
    pipeline.capabilities = weights.detect_capabilities(code_root, data_root)
    if settings.get("gpt_weights") and settings.get("sovits_weights"):
        pipeline.ensure_weights(settings["gpt_weights"], settings["sovits_weights"], {})
    return pipeline


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
