"""Audio files: probing, atomic writes, joining and spectrogram rendering."""
