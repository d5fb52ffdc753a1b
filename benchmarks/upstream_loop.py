"""GPT-SoVITS's own loop: one TTS object, `TTS.run` per job, nothing else.

Runs in the GPT-SoVITS runtime (e.g. .venv-gsv/bin/python), with the
GPT-SoVITS data root as working directory, the way GPT-SoVITS's own
scripts run it. benchmarks/throughput.py starts it as the baseline:
    python upstream_loop.py --jobs JOBS_JSON [--freeze] [--torch-threads 1]
JOBS_JSON is a list of {"gpt", "sovits", "inputs"} (inputs: the dict
TTS.run takes). Prints one JSON line: jobs, seconds, jobs_per_min.
--freeze moves what is alive after the models load and after every job
(the text front-end loads parts on a language's first job) into the
collector's permanent generation, as RAS's worker does: the same loop with
that one change, for a side-by-side reading of what it buys.
"""
from __future__ import annotations

import argparse
import gc
import importlib.util
import json
import os
import sys
import time

BERT = "GPT_SoVITS/pretrained_models/chinese-roberta-wwm-ext-large"
HUBERT = "GPT_SoVITS/pretrained_models/chinese-hubert-base"


def use_installed_gsv() -> None:
    spec = importlib.util.find_spec("gpt_sovits_cpufast")
    code_root = os.path.dirname(os.path.dirname(spec.origin)) if spec and spec.origin else os.getcwd()
    os.environ["GPT_SOVITS_DATA_DIR"] = os.getcwd()
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [p for p in sys.path if p and os.path.realpath(p) != here]
    for path in (code_root, os.path.join(code_root, "GPT_SoVITS")):
        sys.path.insert(0, path)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", required=True)
    parser.add_argument("--freeze", action="store_true")
    parser.add_argument("--torch-threads", type=int, default=1)
    parser.add_argument("--state-dir", default="")
    args = parser.parse_args()
    with open(args.jobs, encoding="utf-8") as handle:
        jobs = json.load(handle)
    use_installed_gsv()
    import torch
    from TTS_infer_pack.TTS import TTS, TTS_Config

    torch.set_num_threads(args.torch_threads)
    config = TTS_Config({"custom": {"device": "cpu", "is_half": False, "version": "v2",
                                    "t2s_weights_path": jobs[0]["gpt"], "vits_weights_path": jobs[0]["sovits"],
                                    "bert_base_path": os.path.abspath(BERT),
                                    "cnhuhbert_base_path": os.path.abspath(HUBERT)}})
    if args.state_dir:
        config.configs_path = os.path.join(args.state_dir, "tts_infer.yaml")
    tts = TTS(config)
    gpt, sovits = jobs[0]["gpt"], jobs[0]["sovits"]
    if args.freeze:
        gc.freeze()
    started = time.perf_counter()
    for job in jobs:
        if job["gpt"] != gpt:
            gpt = job["gpt"]
            tts.init_t2s_weights(gpt)
        if job["sovits"] != sovits:
            sovits = job["sovits"]
            tts.init_vits_weights(sovits)
        for _ in tts.run(dict(job["inputs"])):
            pass
        if args.freeze:
            gc.freeze()
    seconds = time.perf_counter() - started
    print(json.dumps({"jobs": len(jobs), "seconds": round(seconds, 3),
                      "jobs_per_min": round(len(jobs) / seconds * 60, 2), "freeze": args.freeze}))


if __name__ == "__main__":
    main()
