"""A voice with emotions, end to end through the app's API: a shortlist per emotion, then a tagged long text.

Builds a role of 3 emotions x 10 espeak clips (per emotion 6 good, 2 flaky, 2 acoustically bad; the
emotion in each file's name, 【开心】 style), starts RAS with a planted api_v2 server (takes fail at
known rates per reference, and speak with the main reference's emotion), and through gradio_client:
imports the list, runs one per-emotion finder request with the default budget, makes a product whose
emotions are each emotion's top shortlisted clip, and speaks a 12-sentence text tagged with
[开心] / (sad) / 【平静】 style tags with the autopilot (re-rolls on). Prints per emotion whether the
shortlist is clean (good clips of that emotion only), the jobs used against a grid per emotion (every
screened-in clip x probe texts x 3 seeds), and the share of sentences (and takes) the engine was asked
for with their emotion's reference, read from the engine's own take log.
Usage: python benchmarks/find_reference_emotions.py
Last line: `find_reference_emotions: shortlists clean and of their emotion N/3 (P %); J jobs = Q % of a
G-job per-emotion grid; tagged long text S/12 sentences (R %) with their emotion's reference`.
"""
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fixtures.app import configuration_result, wait_for  # noqa: E402
from tests.fixtures.emotion_role import DEFAULT_EMOTIONS, TAGGED_TEXT, build_emotion_role  # noqa: E402
from tests.fixtures.planted import launch_planted_app, start_planted_server  # noqa: E402
from tests.fixtures.planted_engine import Profile  # noqa: E402


def product_with_emotions(client, role: str, shortlists: dict[str, list[int]]) -> tuple[int, dict[str, str]]:
    """A product made from a take of the neutral top clip, with each emotion's top clip as its reference."""
    result = configuration_result(client, role, shortlists["neutral"][0])
    product_id = client.predict(role, result["id"], "emotions", api_name="/create_product")["product_id"]
    for emotion in ("happy", "sad"):
        client.predict(role, product_id, emotion, shortlists[emotion][0], api_name="/set_product_emotion")
    product = next(p for p in client.predict(role, api_name="/list_products")["products"]
                   if p["product_id"] == product_id)
    return product_id, {"neutral": result["params"]["ref_audio_path"],
                        **{e: product["emotions"][e]["ref_audio"] for e in ("happy", "sad")}}


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="find_reference_emotions_"))
    emotion_role = build_emotion_role(work / "emo", role="多情绪")
    server = start_planted_server(work, {**emotion_role.profiles, "default": Profile()})
    app = launch_planted_app(work, [server])
    started = time.monotonic()
    try:
        client = app.client()
        role = client.predict("情感", "多情绪", api_name="/create_role")["role"]
        client.predict(role, str(emotion_role.lists["tag_zh"]), True, api_name="/import_list")
        truth = {c["id"]: emotion_role.truth[c["text"]] for c in client.predict(role, api_name="/list_clips")["clips"]}
        run_id = client.predict(role, {"per_emotion": True}, api_name="/find_reference")["run_id"]
        status = wait_for(lambda: (s := client.predict(role, run_id, api_name="/find_reference_status"))["settled"]
                          and s, timeout=3600, interval=5, what="the per-emotion finder run")
        if status["stage"] != "done":
            raise SystemExit(f"finder run {status['stage']}: {status['error']}")
        clean = 0
        for emotion in DEFAULT_EMOTIONS:
            shortlist = status["shortlists"].get(emotion, [])
            kinds = [truth[c] for c in shortlist]
            ok = bool(shortlist) and all(k == (emotion, "good") for k in kinds)
            clean += ok
            own = client.predict(role, status["emotion_runs"][emotion], api_name="/find_reference_status")
            print(f"  {emotion:8s} shortlist {list(zip(shortlist, kinds))} clean: {'yes' if ok else 'no'}; "
                  f"{own['jobs_done']} jobs of a {own['full_grid_jobs']}-job grid; "
                  f"screened out {sorted(truth[r['clip_id']][1] for r in own['screened'] if r['excluded'])}")
        grid = status["full_grid_jobs"]
        print(f"finder: {time.monotonic() - started:.0f} s wall")

        product_id, reference_of = product_with_emotions(client, role, status["shortlists"])
        heard = len(server.takes())
        result_id = client.predict(role, api_name="/list_products")["products"][0]["source_result_id"]
        long_run = client.predict(role, [result_id], TAGGED_TEXT, {"product_id": product_id, "max_tries": 3},
                                  api_name="/long_text")
        long_status = wait_for(lambda: (s := client.predict(role, long_run["run_id"], api_name="/long_text_status"))
                               ["settled"] and s, timeout=1800, interval=2, what="the tagged long text")
        rows = long_status["parts"][0]["sentences"]
        emotion_of = {r["text"]: r["emotion"] for r in rows}
        takes = [t for t in server.takes()[heard:] if t["text"] in emotion_of]
        right_takes = [t for t in takes if t["ref_audio_path"] == reference_of[emotion_of[t["text"]]]]
        right = [text for text in emotion_of if all(t["ref_audio_path"] == reference_of[emotion_of[text]]
                                                     for t in takes if t["text"] == text)]
        print(f"long text: {len(rows)} sentences, {len(right_takes)}/{len(takes)} takes (re-rolls included) "
              f"with their emotion's reference")
    finally:
        app.stop()
        server.kill()
    print(f"find_reference_emotions: shortlists clean and of their emotion {clean}/{len(DEFAULT_EMOTIONS)} "
          f"({100 * clean / len(DEFAULT_EMOTIONS):.0f} %); {status['jobs_done']} jobs = "
          f"{100 * status['jobs_done'] / grid:.0f} % of a {grid}-job per-emotion grid; tagged long text "
          f"{len(right)}/{len(rows)} sentences ({100 * len(right) / len(rows):.0f} %) with their emotion's reference")


if __name__ == "__main__":
    main()
