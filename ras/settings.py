"""Launch settings, parsed from the command line in main() only (never at import)."""
from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

APP_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PORT = 9877  # free of GPT-SoVITS's 9871-9874 (webuis) and 9880 (api)
LANGUAGES = ("zh_CN", "en_US")


@dataclass(frozen=True)
class Settings:
    roles_dir: Path = APP_ROOT / "roles"
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    lang: str = ""  # "" follows each visitor's browser; a locale forces it for everybody
    share: bool = False
    auth: tuple[str, str] | None = None
    gsv_root: Path | None = None
    gsv_python: str = sys.executable
    engine_urls: tuple[str, ...] = ()
    weights_dirs: tuple[Path, ...] = ()
    workers: int | None = None  # local workers; None: one without --engine-url, none beside api_v2 servers
    gsv_device: str = "auto"
    torch_threads: int | None = None
    job_timeout: float | None = None  # None: scales with the median job time
    # one result's analysis may take base + per second of audio (+ the allowance while models load)
    analysis_timeout: float = 60.0
    analysis_timeout_per_second: float = 10.0
    analysis_load_allowance: float = 300.0
    sv_model: Path | None = None
    asr_model: Path | None = None
    asr_device: str = "cpu"
    emotion_model: Path | None = None  # an emotion2vec folder; None: found in the ModelScope cache
    max_jobs_per_task: int = 20_000
    allow_server_paths: bool = False
    extra: dict = field(default_factory=dict)

    @property
    def local_workers(self) -> int:
        """Local GPT-SoVITS workers in the pool (they need --gsv-root); beside api_v2 servers only
        when --workers asks for them, so pointing at a GPT-SoVITS for its weights starts none."""
        if not self.gsv_root:
            return 0
        return self.workers if self.workers is not None else (0 if self.engine_urls else 1)

    def busy_cores(self) -> int:
        """CPU cores the local GPT-SoVITS workers keep busy: --torch-threads each on a CPU (torch's
        default is every core), one each on a GPU (it only feeds the GPU)."""
        if self.gsv_device.startswith("cuda"):
            return self.local_workers
        return self.local_workers * (self.torch_threads or (os.cpu_count() or 1))

    @property
    def main_db_path(self) -> Path:
        """The main DB sits beside the roles folder, as the design asks."""
        return self.roles_dir.parent / "ras.db"

    @property
    def server_paths_allowed(self) -> bool:
        """Whether a request may name files on this machine (a .list path, weights anywhere, audio to analyse).
        Local use keeps them, as GPT-SoVITS users expect; a shared link refuses them, so that whoever
        has the link cannot read the host's files, unless --allow-server-paths says otherwise."""
        return self.allow_server_paths or not self.share


def _auth(value: str) -> tuple[str, str]:
    user, sep, password = value.partition(":")
    if not sep or not user or not password:
        raise argparse.ArgumentTypeError("--auth takes user:password")
    return user, password


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="webui_ras.py", description="RAS: reference audio selector for GPT-SoVITS")
    p.add_argument("--roles-dir", type=Path, default=APP_ROOT / "roles")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=DEFAULT_PORT)
    p.add_argument("--lang", choices=LANGUAGES, default="",
                   help="one UI language for every visitor (default: each browser's own, Chinese otherwise)")
    p.add_argument("--share", action="store_true", help="public Gradio link; needs --auth")
    p.add_argument("--auth", type=_auth, help="user:password")
    p.add_argument("--gsv-root", type=Path, help="GPT-SoVITS folder (code and/or weights)")
    p.add_argument("--gsv-python", default=sys.executable, help="GPT-SoVITS interpreter (runtime/python)")
    p.add_argument("--engine-url", action="append", default=[], help="GPT-SoVITS api_v2 server; repeatable")
    p.add_argument("--weights-dir", type=Path, action="append", default=[], help="extra weights folder")
    p.add_argument("--workers", type=int, default=None,
                   help="local workers (one per GPU; default 1, or none beside --engine-url servers)")
    p.add_argument("--gsv-device", default="auto", help="auto, cpu, cuda or cuda:N for local workers")
    p.add_argument("--torch-threads", type=int, help="CPU threads per local worker")
    p.add_argument("--job-timeout", type=float, help="seconds before a silent job counts as hung")
    p.add_argument("--analysis-timeout", type=float, default=60.0,
                   help="seconds one result's analysis may take, plus --analysis-timeout-per-second for each "
                        "second of its audio; past it the analysis process is restarted and the result tried again")
    p.add_argument("--analysis-timeout-per-second", type=float, default=10.0,
                   help="extra analysis seconds allowed per second of a result's audio")
    p.add_argument("--analysis-load-allowance", type=float, default=300.0,
                   help="extra seconds for an analysis process's first result in a language (it loads models then)")
    p.add_argument("--sv-model", type=Path, help="local speaker-verification model folder")
    p.add_argument("--asr-model", type=Path, help="local faster-whisper model folder (else found per language)")
    p.add_argument("--asr-device", default="cpu", help="cpu, cuda or cuda:N for speech recognition")
    p.add_argument("--emotion-model", type=Path,
                   help="local emotion2vec model folder for emotion tags (else found in the ModelScope cache)")
    p.add_argument("--max-jobs", type=int, default=20_000, help="largest task allowed")
    p.add_argument("--allow-server-paths", action="store_true",
                   help="with --share, still accept file paths on this machine in requests")
    return p


def parse_settings(argv: list[str] | None = None) -> Settings:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.share and not args.auth:
        parser.error("--share publishes the app on the internet: add --auth user:password")
    if args.workers is not None and args.workers < 1:
        parser.error("--workers must be at least 1")
    if args.workers is not None and not args.gsv_root:
        parser.error("--workers starts local GPT-SoVITS workers: add --gsv-root")
    if args.analysis_timeout <= 0 or min(args.analysis_timeout_per_second, args.analysis_load_allowance) < 0:
        parser.error("--analysis-timeout must be above 0, and its per-second and load allowances 0 or more")
    return Settings(
        roles_dir=args.roles_dir.resolve(), host=args.host, port=args.port, lang=args.lang,
        share=args.share, auth=args.auth,
        gsv_root=args.gsv_root.resolve() if args.gsv_root else None,
        gsv_python=args.gsv_python, engine_urls=tuple(args.engine_url),
        weights_dirs=tuple(d.resolve() for d in args.weights_dir), workers=args.workers,
        gsv_device=args.gsv_device, torch_threads=args.torch_threads,
        job_timeout=args.job_timeout, sv_model=args.sv_model, asr_model=args.asr_model,
        analysis_timeout=args.analysis_timeout, analysis_timeout_per_second=args.analysis_timeout_per_second,
        analysis_load_allowance=args.analysis_load_allowance,
        asr_device=args.asr_device, emotion_model=args.emotion_model,
        max_jobs_per_task=args.max_jobs, allow_server_paths=args.allow_server_paths,
    )
