"""Everything that touches GPT-SoVITS: request, engines, weights, worker.

No module here imports torch, GPT-SoVITS or gradio; worker.py runs in
GPT-SoVITS's own interpreter and is started as a script, never imported.
"""
