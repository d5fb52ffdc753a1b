"""The task tab's handlers read and fill the form by component: a stored task loads back, and the loaded
form counts and creates its copy."""
import numpy as np
import soundfile

import webui_ras
from ras.library import clips, importer, roles, texts
from ras.queue import tasks
from ras.settings import Settings


def handler(app, button: str):
    """The function a click on the button with this elem_id runs."""
    block_id = next(i for i, b in app.blocks.items() if getattr(b, "elem_id", None) == button)
    return next(fn for fn in app.fns.values() if (block_id, "click") in
                {(getattr(t[0], "_id", t[0]), t[1]) for t in fn.targets})


def test_a_loaded_task_fills_the_form_that_counts_and_creates_its_copy(tmp_path):
    ctx = webui_ras.make_context(Settings(roles_dir=tmp_path / "roles"))
    app = webui_ras.build_app(ctx)
    role = roles.create_role(ws=ctx.ws, category="任务", name="表单")
    rng = np.random.default_rng(3)
    for i in range(2):
        soundfile.write(tmp_path / f"t{i}.wav", rng.normal(0, 0.1, 32000 * (4 + i)).astype(np.float32), 32000)
    (tmp_path / "t.list").write_text("t0.wav|spk|zh|第一条\nt1.wav|spk|zh|第二条\n", encoding="utf-8")
    importer.import_list(ws=ctx.ws, role=role, list_path=tmp_path / "t.list", copy_audio=True)
    clip_ids = [c.id for c in clips.list_clips(ws=ctx.ws, role=role).clips]
    text_id = texts.add_text(ws=ctx.ws, content="表单测试的短句。", lang="zh", category="short")
    task_id = tasks.create_task(ws=ctx.ws, role=role, spec={
        "name": "原任务", "clip_ids": clip_ids, "text_ids": [text_id], "vary": {"top_k": [5, 20, 30]},
        "base": {"seed": 3}, "combine": "each"})["task_id"]

    load = handler(app, "task_load_spec")
    form = load.fn(role, task_id)  # component -> value
    by_id = {component.elem_id: value for component, value in form.items()}
    assert by_id["task_name"] == "原任务 (2)" and by_id["task_values_top_k"] == "5,20,30"
    assert by_id["task_seed"] == 3 and by_id["task_clips"] == clip_ids and by_id["task_variables"] == ["top_k"]

    role_picker = next(b for b in app.blocks.values() if getattr(b, "elem_id", None) == "header_role")
    summary = handler(app, "task_estimate").fn({role_picker: role, **form})
    assert "**6**" in summary  # 3 top_k values x 2 clips x 1 text
    note, rows, new_id = handler(app, "task_create").fn({role_picker: role, **form})
    assert new_id != task_id and "原任务 (2)" in [row[1] for row in rows]
    assert tasks.task_spec(ws=ctx.ws, role=role, task_id=new_id)["vary"] == {"top_k": [5, 20, 30]}
