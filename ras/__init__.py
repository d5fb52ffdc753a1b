"""RAS service layer: all logic, no Gradio. Every function is callable from a test."""
